--[[
  ack: held leases succeeded (a batch: acks handed in together, ack-batcher.ts).
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  resultTtl (ms)
  then per ack 4 values: id, token, result ('' = none), outcome id (per call: the
           same call resent is answered 1, changing nothing)
  Returns { now, then per ack 5 values: 1 or 0 (the token is stale), and for an
  ack recorded now its `succeeded` report: task, queue, n, attempt ('' otherwise) }.
  The report is told compactly, not as a note (lib.lua): an ack records no
  other report, and 4 values instead of 8 is less for the worker to parse.
]]
local now = now_ms()
local ttl = tonumber(ARGV[2])
local out = { now }
for i = 3, #ARGV, 4 do
  local id, token, result, op = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local f = held(id, token)
  local k = #out
  if not f then
    out[k + 1] = replayed(id, op) and 1 or 0
    out[k + 2], out[k + 3], out[k + 4], out[k + 5] = '', '', '', ''
  else
    local rn = f.rn + 1
    if result == '' then
      terminal(id, f, 'succeeded', now, ttl, { 'rn', rn, 'op', op }, { 'rs', 'e' })
    else
      terminal(id, f, 'succeeded', now, ttl, { 'rn', rn, 'op', op, 'rs', result }, { 'e' })
    end
    -- The `succeeded` report is the hash's (lib.lua): no member.
    out[k + 1], out[k + 2], out[k + 3], out[k + 4], out[k + 5] = 1, f.t, f.q, rn, f.n
  end
end
return out
