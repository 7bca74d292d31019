--[[
  qpurge: deletes a queue's finished jobs (succeeded, failed, cancelled)
  that finished at least ms ago, with their reports.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  queue
  ARGV[3]  ms
  ARGV[4]  most jobs to delete in this call
  Returns how many were deleted.
]]
local q, limit = ARGV[2], tonumber(ARGV[4])
local before = now_ms() - tonumber(ARGV[3])
local n = 0
for _, s in ipairs({ 'succeeded', 'failed', 'cancelled' }) do
  for _, id in ipairs(redis.call('ZRANGE', P .. 's:' .. s .. ':' .. q, 0, -1)) do
    if n >= limit then
      return n
    end
    local f = fields(id, { 'f', 'k' })
    if tonumber(f.f) and tonumber(f.f) <= before then
      redis.call('ZREM', P .. 's:' .. s .. ':' .. q, id)
      redis.call('ZREM', P .. 'exp', id)
      drop_key(f.k, id)
      redis.call('DEL', jkey(id), P .. 'r:' .. id, P .. 'pn:' .. id)
      n = n + 1
    end
  end
end
return n
