--[[
  rerun: re-runs a failed or cancelled job, queued again with a fresh attempt
  count and a fresh report log. If another live job holds its key meanwhile,
  the re-run gives the key up.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  id
  Returns false if not found or not failed/cancelled; else the job's fields (HGETALL) after.
]]
local id = ARGV[2]
local jk = jkey(id)
local f = redis.call('HMGET', jk, 't', 's', 'q', 'p', 'k', 'w')
if not f[1] or (f[2] ~= 'failed' and f[2] ~= 'cancelled') then
  return false
end
local now = now_ms()
local q = f[3]
redis.call('ZREM', P .. 'f:' .. q .. ':' .. f[2], id)
redis.call('ZREM', P .. 'exp', id)
redis.call('DEL', P .. 'h:' .. id)
redis.call('HDEL', jk, 's', 'n', 'b', 'f', 'wk', 'pr', 'rs', 'e', 'tk', 'op', 'sq')
local key = f[5]
if key then
  local holder = redis.call('HGET', P .. 'keys', key)
  local live = false
  if holder and holder ~= id then
    local st = redis.call('HMGET', jkey(holder), 's', 't')
    live = st[2] and (not st[1] or st[1] == 'delayed' or st[1] == 'active')
  end
  if live then
    redis.call('HDEL', jk, 'k')
  else
    redis.call('HSET', P .. 'keys', key, id)
  end
end
local log, entry = log_append(nil, 1, 'q', 0, now)
redis.call('HSET', jk, 'r', now, 'h', log, 'rn', 1)
tell(f[6], id, entry)
local seq = push(q, id, tonumber(f[4]) or 0, nil, false)
if seq then
  redis.call('HSET', jk, 'sq', seq)
end
flush_pushes()
return redis.call('HGETALL', jk)
