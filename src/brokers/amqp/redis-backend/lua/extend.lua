--[[
  extend: renews leases still held.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  lease (ms)
  then per lease 2 values: id, token
  Returns 1 (renewed) or 0 (stale) per lease.
]]
local now = now_ms()
local lease_end = now + tonumber(ARGV[2])
local out = {}
for i = 3, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  if held(id, token) then
    redis.call('HSET', jkey(id), 'lu', lease_end)
    redis.call('ZADD', P .. 'leases', lease_end, id)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
