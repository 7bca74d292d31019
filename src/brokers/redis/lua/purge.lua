--[[
  purge: deletes a queue's finished jobs (succeeded, failed, cancelled) that
  finished at or before a time, with their report logs; at most `limit` per
  call (the caller repeats while a call deletes `limit`).
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  queue
  ARGV[3]  age (ms): finished at least this long ago
  ARGV[4]  limit
  Returns how many were deleted.
]]
local q, age, limit = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local before = now_ms() - age
local n = 0
for _, status in ipairs({ 'succeeded', 'failed', 'cancelled' }) do
  local key = P .. 'f:' .. q .. ':' .. status
  local ids = redis.call('ZRANGEBYSCORE', key, '-inf', before, 'LIMIT', 0, limit - n)
  if #ids > 0 then
    drop_jobs(ids)
    chunked('ZREM', key, ids, 1000)
    chunked('ZREM', P .. 'exp', ids, 1000)
    n = n + #ids
  end
  if n >= limit then
    break
  end
end
return n
