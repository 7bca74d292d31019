--[[
  ack: a held lease succeeded.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  resultTtl (ms)
  ARGV[3]  id
  ARGV[4]  token
  ARGV[5]  result ('' = none)
  ARGV[6]  outcome id (per call: the same call resent is answered 1, changing nothing)
  Returns { { 1 } or { 0 } when the token is stale ; notes }.
]]
local now = now_ms()
local ttl, id, token, result = tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local f = held(id, token)
if not f then
  return { { replayed(id, ARGV[6]) and 1 or 0 }, notes }
end
local rn = f.rn + 1
set_or_del(jkey(id), 'rs', result)
redis.call('HDEL', jkey(id), 'e')
terminal(id, f, 'succeeded', now, ttl, { 'rn', rn, 'op', ARGV[6] })
-- The `succeeded` report is the hash's (lib.lua): no member.
note(id, f.t, f.q, rn, 'succeeded', f.n, now)
return { { 1 }, notes }
