--[[
  expire: ends a lease that ran out: queued again with its next ticket, or
  failed without one. Nothing changes if the lease moved on meanwhile (another
  token, or renewed past now).
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  resultTtl (ms)
  ARGV[3]  id
  ARGV[4]  token
  ARGV[5]  error JSON
  ARGV[6]  next gen ('' = failed)
  ARGV[7]  next ticket nonce
  Returns { { 1 } or { 0 } ; notes }.
]]
local now = now_ms()
local ttl, id, token, err = tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local f = held(id, token)
if not f or tonumber(f.lu) > now then
  return { { 0 }, notes }
end
end_attempt(id, f, now, ttl, err, ARGV[6], ARGV[7], false)
return { { 1 }, notes }
