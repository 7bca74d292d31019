--[[
  history: a job's reports after number n, in order, and its result.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  id
  ARGV[3]  after n
  Returns { result ('' = none), report JSON... } (empty for an unknown job).
]]
local id = ARGV[2]
local out = { redis.call('HGET', jkey(id), 'rs') or '' }
local reports = redis.call('ZRANGEBYSCORE', P .. 'r:' .. id, '(' .. ARGV[3], '+inf')
for _, r in ipairs(reports) do
  out[#out + 1] = r
end
return out
