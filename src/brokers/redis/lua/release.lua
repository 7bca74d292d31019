--[[
  release: hands leased jobs back unfinished (shutdown): waiting again at the
  front, the attempt not counted. Stale leases are ignored.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  then per lease: id, token
  Returns how many were released.
]]
local released = {}
for i = 2, #ARGV - 1, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local jk = jkey(id)
  local f = redis.call('HMGET', jk, 's', 'tk', 'q', 'n', 'p', 'sq')
  if f[1] == 'active' and f[2] == token then
    -- Its derived `active` report goes with b (a stored one, am, stays logged).
    redis.call('HDEL', jk, 's', 'b', 'wk', 'am')
    redis.call('HSET', jk, 'n', (tonumber(f[4]) or 1) - 1)
    unplain(jk)
    push(f[3], id, tonumber(f[5]) or 0, tonumber(f[6]), true)
    count('a:' .. f[3], -1)
    ungroup(jk)
    released[#released + 1] = id
  end
end
if #released > 0 then
  chunked('ZREM', P .. 'active', released, 1000)
  -- A released job is leasable at once, whether or not its list was empty.
  wake = true
end
flush_pushes()
flush_counters()
return #released
