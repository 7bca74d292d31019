--[[
  rerun: a failed or cancelled job runs again from attempt 0 with its next
  ticket; its reports start over. It keeps its key unless a live job took it.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  id
  ARGV[3]  the job's gen now (the call does nothing if it moved on)
  ARGV[4]  next gen
  ARGV[5]  next ticket nonce
  Returns { the job's fields (flat, as HGETALL) or an empty list ; notes }.
]]
local now = now_ms()
local id, gen = ARGV[2], ARGV[3]
local f = fields(id, { 's', 't', 'q', 'rn', 'sq', 'k', 'g' })
if (f.s ~= 'failed' and f.s ~= 'cancelled') or f.g ~= gen then
  return { {}, notes }
end
local jk = jkey(id)
local rn = tonumber(f.rn) + 1
if f.k then
  if live_key(f.k) then
    redis.call('HDEL', jk, 'k')
  else
    redis.call('HSET', P .. 'keys', f.k, id)
  end
end
redis.call('HSET', jk, 's', 'queued', 'n', 0, 'r', now, 'g', ARGV[4], 'nc', ARGV[5], 'rn', rn)
redis.call('HDEL', jk, 'b', 'f', 'x', 'wk', 'pr', 'rs', 'e', 'tk', 'lu')
redis.call('ZREM', P .. 'exp', id)
redis.call('DEL', P .. 'r:' .. id, P .. 'pn:' .. id)
index(id, f.q, f.sq, f.s, 'queued')
report(id, f.t, f.q, rn, 'queued', 0, now)
return { redis.call('HGETALL', jk), notes }
