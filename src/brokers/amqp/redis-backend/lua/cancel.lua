--[[
  cancel: cancels a live job (queued, delayed or active).
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  resultTtl (ms)
  ARGV[3]  id
  Returns { { 'not_found' | 'finished' | 'cancelled' | 'aborted' } ; notes }
  ('aborted': it was active, its holder must stop).
]]
local now = now_ms()
local ttl, id = tonumber(ARGV[2]), ARGV[3]
local f = fields(id, { 's', 't', 'q', 'n', 'rn', 'sq', 'k' })
if not f.s then
  return { { 'not_found' }, notes }
end
if not LIVE[f.s] then
  return { { 'finished' }, notes }
end
local rn = tonumber(f.rn) + 1
terminal(id, f, 'cancelled', now, ttl, { 'rn', rn })
report(id, f.t, f.q, rn, 'cancelled', tonumber(f.n), now)
return { { f.s == 'active' and 'aborted' or 'cancelled' }, notes }
