--[[
  history: a job's reports after number n, in order, and its result.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  id
  ARGV[3]  after n
  Returns { result ('' = none), report JSON... } (empty for an unknown job):
  the members, plus the reports the job hash tells (lib.lua).
]]
local id, after = ARGV[2], tonumber(ARGV[3])
local rk = P .. 'r:' .. id
local f = redis.call('HMGET', jkey(id), 'rs', 's', 'rn', 'n', 'f', 'an', 'b')
local out = { f[1] or '' }
local all = {}
local stored = redis.call('ZRANGEBYSCORE', rk, '(' .. ARGV[3], '+inf', 'WITHSCORES')
for i = 1, #stored, 2 do
  all[#all + 1] = { tonumber(stored[i + 1]), stored[i] }
end
local an, rn = tonumber(f[6]), tonumber(f[3])
if an and an > after then
  all[#all + 1] = { an, told(f[6], 'active', f[4], f[7]) }
end
-- A `succeeded` member exists only for flows' steps and jobs acked before the hash told it.
if f[2] == 'succeeded' and rn > after and #redis.call('ZRANGEBYSCORE', rk, rn, rn) == 0 then
  all[#all + 1] = { rn, told(f[3], 'succeeded', f[4], f[5]) }
end
table.sort(all, function(a, b)
  return a[1] < b[1]
end)
for _, r in ipairs(all) do
  out[#out + 1] = r[2]
end
return out
