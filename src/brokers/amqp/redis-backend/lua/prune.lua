--[[
  prune: deletes finished jobs past their expiry (resultTtl), with their reports.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  limit
  Returns how many were deleted.
]]
local now = now_ms()
local ids = redis.call('ZRANGEBYSCORE', P .. 'exp', '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  local f = fields(id, { 's', 'q', 'k' })
  if f.s then
    redis.call('ZREM', P .. 's:' .. f.s .. ':' .. f.q, id)
    drop_key(f.k, id)
  end
  redis.call('DEL', jkey(id), P .. 'r:' .. id, P .. 'pn:' .. id)
  redis.call('ZREM', P .. 'exp', id)
end
return #ids
