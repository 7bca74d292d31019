--[[
  progress: records progress of a held lease.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  id
  ARGV[3]  token
  ARGV[4]  encoded value
  ARGV[5]  progress reports kept per job
  Returns false if the lease is stale, else: task, queue, attempt, report number, broker time.
]]
local id, token, value, keep = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local jk = jkey(id)
local f = redis.call('HMGET', jk, 's', 'tk', 't', 'q', 'n', 'rn', 'w', 'b', 'am', 'h')
if f[1] ~= 'active' or f[2] ~= token then
  return false
end
local now = now_ms()
local rn = tonumber(f[6]) or 1
if active_derived(f[1], f[8], f[5], f[9]) then
  -- The job stays active: its `active` report is stored, before this one (lib.lua).
  local log
  log, rn = settle_active(f[1], f[8], f[5], f[9], f[10], rn)
  redis.call('HSET', jk, 'h', log, 'am', f[5])
end
rn = rn + 1
redis.call('HSET', jk, 'pr', value, 'rn', rn)
unplain(jk)
local entry = rn .. '|' .. f[5] .. '|' .. now .. '|' .. value
local hk = P .. 'h:' .. id
if redis.call('RPUSH', hk, entry) > keep then
  redis.call('LPOP', hk)
end
tell(f[7], id, rn, 'p', f[5], now, value)
return { f[3], f[4], tonumber(f[5]), rn, now }
