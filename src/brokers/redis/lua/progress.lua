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
local f = redis.call('HMGET', jk, 's', 'tk', 't', 'q', 'n', 'rn', 'w')
if f[1] ~= 'active' or f[2] ~= token then
  return false
end
local now = now_ms()
local rn = (tonumber(f[6]) or 1) + 1
redis.call('HSET', jk, 'pr', value, 'rn', rn)
local entry = rn .. '|' .. f[5] .. '|' .. now .. '|' .. value
local hk = P .. 'h:' .. id
if redis.call('RPUSH', hk, entry) > keep then
  redis.call('LPOP', hk)
end
tell(f[7], id, rn .. '|p|' .. f[5] .. '|' .. now .. '|' .. value)
return { f[3], f[4], tonumber(f[5]), rn, now }
