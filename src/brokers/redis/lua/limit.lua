--[[
  limit: a handler's RateLimited: the queue leases nothing until now + ms on
  every process (a later limit already set wins).
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  queue
  ARGV[3]  ms
  Returns the broker time and the queue's limited-until.
]]
local now = now_ms()
local until_ms = now + tonumber(ARGV[3])
local current = tonumber(redis.call('HGET', P .. 'lim', ARGV[2])) or 0
if until_ms > current then
  redis.call('HSET', P .. 'lim', ARGV[2], until_ms)
else
  until_ms = current
end
return { now, until_ms }
