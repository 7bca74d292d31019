--[[
  nack: a held lease failed an attempt: queued or delayed again with its next
  ticket, or failed for good without one.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  resultTtl (ms)
  ARGV[3]  id
  ARGV[4]  token
  ARGV[5]  error JSON
  ARGV[6]  next gen ('' = failed for good)
  ARGV[7]  next ticket nonce
  ARGV[8]  next run at (ms, the publisher's clock)
  ARGV[9]  '1' when the next run is delayed
  ARGV[10] outcome id (per call: the same call resent is answered 1, changing nothing)
  Returns { { 1 } or { 0 } when the token is stale ; notes }.
]]
local now = now_ms()
local ttl, id, token, err = tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local f = held(id, token)
if not f then
  return { { replayed(id, ARGV[10]) and 1 or 0 }, notes }
end
redis.call('HSET', jkey(id), 'op', ARGV[10])
end_attempt(id, f, now, ttl, err, ARGV[6], ARGV[7], ARGV[9] == '1', ARGV[8])
return { { 1 }, notes }
