--[[
  ack: held leases succeeded (a batch: acks handed in together, ack-batcher.ts).
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  resultTtl (ms)
  then per ack 4 values: id, token, result ('' = none), outcome id (per call: the
           same call resent is answered 1, changing nothing)
  Returns { 1 or 0 (the token is stale) per ack ; notes }.
]]
local now = now_ms()
local ttl = tonumber(ARGV[2])
local out = {}
for i = 3, #ARGV, 4 do
  local id, token, result, op = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local f = held(id, token)
  if not f then
    out[#out + 1] = replayed(id, op) and 1 or 0
  else
    local rn = f.rn + 1
    if result == '' then
      terminal(id, f, 'succeeded', now, ttl, { 'rn', rn, 'op', op }, { 'rs', 'e' })
    else
      terminal(id, f, 'succeeded', now, ttl, { 'rn', rn, 'op', op, 'rs', result }, { 'e' })
    end
    -- The `succeeded` report is the hash's (lib.lua): no member.
    note(id, f.t, f.q, rn, 'succeeded', f.n, now)
    out[#out + 1] = 1
  end
end
return { out, notes }
