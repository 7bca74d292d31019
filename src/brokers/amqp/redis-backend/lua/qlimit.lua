--[[
  qlimit: a handler's RateLimited: no job of the queue is claimed before
  now + ms, by any process (a later limit already set wins).
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  queue
  ARGV[3]  ms
  Returns 1.
]]
local until_ms = now_ms() + tonumber(ARGV[3])
if until_ms > (tonumber(redis.call('HGET', P .. 'lim', ARGV[2])) or 0) then
  redis.call('HSET', P .. 'lim', ARGV[2], until_ms)
end
return 1
