--[[
  logs: appends log lines of the attempt holding a lease, keeping the last
  `keep` (the list goes with the job: see the deletions in lib.lua and sweep.lua).
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  id
  ARGV[3]  token
  ARGV[4]  lines kept per job
  ARGV[5…] the lines, one JSON object each
  Returns 1 if appended, 0 if the lease is stale.
]]
local id, token, keep = ARGV[2], ARGV[3], tonumber(ARGV[4])
local f = redis.call('HMGET', jkey(id), 's', 'tk')
if f[1] ~= 'active' or f[2] ~= token then
  return 0
end
local key = P .. 'lg:' .. id
for i = 5, #ARGV, 1000 do
  redis.call('RPUSH', key, unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('LTRIM', key, -keep, -1)
return 1
