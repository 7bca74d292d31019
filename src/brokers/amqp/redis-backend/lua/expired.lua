--[[
  expired: leases past their expiry, oldest first.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  limit
  Returns per lease 6 values: id, token, queue, priority, gen, spent (1 when
  the attempts are spent).
]]
local now = now_ms()
local ids = redis.call('ZRANGEBYSCORE', P .. 'leases', '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  local f = fields(id, { 's', 'tk', 'q', 'p', 'g', 'n', 'rt' })
  if f.s == 'active' then
    out[#out + 1] = id
    out[#out + 1] = f.tk
    out[#out + 1] = f.q
    out[#out + 1] = tonumber(f.p)
    out[#out + 1] = tonumber(f.g)
    out[#out + 1] = tonumber(f.n) > tonumber(f.rt) and 1 or 0
  end
end
return out
