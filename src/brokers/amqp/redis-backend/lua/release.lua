--[[
  release: hands leases back: queued again, the attempt not counted, the same
  ticket (no report).
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  then per lease 2 values: id, token
  Returns 1 (released) or 0 (stale) per lease.
]]
local out = {}
for i = 2, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local f = held(id, token)
  if f then
    local jk = jkey(id)
    store_active(id)
    redis.call('HSET', jk, 's', 'queued', 'n', f.n - 1)
    redis.call('HDEL', jk, 'tk', 'lu', 'an')
    redis.call('ZREM', P .. 'leases', id)
    index(id, f.q, f.sq, 'active', 'queued')
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
