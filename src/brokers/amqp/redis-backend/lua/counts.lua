--[[
  counts: jobs per queue and status, every queue ever seen (zeros too).
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2…] the queues to count (none: every queue ever seen)
  Returns per queue 6 values: queue, queued, active, delayed, succeeded, failed.
]]
local queues
if #ARGV >= 2 then
  queues = { unpack(ARGV, 2) }
else
  queues = redis.call('SMEMBERS', P .. 'queues')
end
local out = {}
for _, q in ipairs(queues) do
  out[#out + 1] = q
  for _, s in ipairs({ 'queued', 'active', 'delayed', 'succeeded', 'failed' }) do
    out[#out + 1] = redis.call('ZCARD', P .. 's:' .. s .. ':' .. q)
  end
end
return out
