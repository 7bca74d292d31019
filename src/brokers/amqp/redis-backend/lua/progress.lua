--[[
  progress: a held lease reports progress; only the last `keep` report
  numbers keep their progress reports (older progress reports are deleted).
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  id
  ARGV[3]  token
  ARGV[4]  value ('' = none)
  ARGV[5]  keep
  Returns { { 1 } or { 0 } when the token is stale ; notes }.
]]
local now = now_ms()
local id, token, value, keep = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local f = held(id, token)
if not f then
  return { { 0 }, notes }
end
local rn = f.rn + 1
local jk = jkey(id)
set_or_del(jk, 'pr', value)
redis.call('HSET', jk, 'rn', rn)
report(id, f.t, f.q, rn, 'progress', f.n, now, nil, value)
local pk = P .. 'pn:' .. id
redis.call('RPUSH', pk, rn)
local oldest = tonumber(redis.call('LINDEX', pk, 0))
while oldest and oldest <= rn - keep do
  redis.call('LPOP', pk)
  redis.call('ZREMRANGEBYSCORE', P .. 'r:' .. id, oldest, oldest)
  oldest = tonumber(redis.call('LINDEX', pk, 0))
end
return { { 1 }, notes }
