--[[
  extend: renews leases that are still held.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  lease length (ms)
  then per lease: id, token
  Returns per lease 1 (renewed) or 0 (lost).
]]
local until_ms = now_ms() + tonumber(ARGV[2])
local out = {}
local renewed = {}
for i = 3, #ARGV - 1, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local f = redis.call('HMGET', jkey(id), 's', 'tk')
  if f[1] == 'active' and f[2] == token then
    renewed[#renewed + 1] = until_ms
    renewed[#renewed + 1] = id
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
if #renewed > 0 then
  chunked('ZADD', P .. 'active', renewed, 2000)
end
return out
