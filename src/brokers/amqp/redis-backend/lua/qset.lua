--[[
  qset: compare-and-set of one queue's stored settings (the caller merges
  with the options table's rules and retries a lost race).
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  queue
  ARGV[3]  the settings JSON the caller read ('' = none stored)
  ARGV[4]  the new settings JSON ('' = delete: all defaults)
  Returns 1 if set, else { the settings JSON stored now ('' = none) }.
]]
local key = P .. 'qset'
local current = redis.call('HGET', key, ARGV[2]) or ''
if current ~= ARGV[3] then
  return { current }
end
if ARGV[4] == '' then
  redis.call('HDEL', key, ARGV[2])
else
  redis.call('HSET', key, ARGV[2], ARGV[4])
end
return 1
