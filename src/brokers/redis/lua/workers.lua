--[[
  workers: the worker directory, shared by every process on the prefix.
  One hash field per announcing instance: "expiresAt|json". Announcing
  replaces the instance's field; listing drops expired fields and returns
  the rest. Times are Redis's clock, so process clocks do not matter.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  'announce' or 'list'
  ARGV[3]  (announce) instance
  ARGV[4]  (announce) the workers JSON ('' = withdraw)
  ARGV[5]  (announce) ttl ms
  Returns: announce → broker time; list → the live workers JSON strings.
]]
local key = P .. 'workers'
local now = now_ms()
if ARGV[2] == 'announce' then
  if ARGV[4] == '' then
    redis.call('HDEL', key, ARGV[3])
  else
    redis.call('HSET', key, ARGV[3], (now + tonumber(ARGV[5])) .. '|' .. ARGV[4])
  end
  return now
end
local out = {}
local all = redis.call('HGETALL', key)
for i = 1, #all, 2 do
  local value = all[i + 1]
  local bar = string.find(value, '|', 1, true)
  if bar and tonumber(string.sub(value, 1, bar - 1)) > now then
    out[#out + 1] = string.sub(value, bar + 1)
  else
    redis.call('HDEL', key, all[i])
  end
end
return out
