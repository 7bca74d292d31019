--[[
  fcommit: one change of a flow (../../backend-flows.ts), computed by the
  broker from the flow at version `expected` and applied only if the version
  is still that ('conflict' otherwise: the broker reads again). In order: the
  step's success (its lease must be held: else 'stale', unless this very
  call was applied already), the graph and a new version, the flow re-opened,
  steps re-run, steps added if absent, the flow's end.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  resultTtl (ms)
  ARGV[3]  flow id
  ARGV[4]  expected version
  ARGV[5]  the new graph ('' = unchanged)
  ARGV[6..9] the step that succeeded: id ('' = none), token, result ('' = none), outcome id
  ARGV[10..11] the flow's end: '' | 'succeeded' | 'failed' | 'cancelled', and its result or error JSON
  ARGV[12] '1' to re-open a failed or cancelled flow
  ARGV[13] number of steps to re-run, then per step 4 values: id, gen now, next gen, next nonce
  then the number of steps to add, then per step 13 values: as insert.lua's 12, and the step index
  Returns { { 'ok' | 'conflict' | 'stale' } ; notes }.
]]
local now = now_ms()
local ttl, flow_id = tonumber(ARGV[2]), ARGV[3]
local fk = jkey(flow_id)
if redis.call('HGET', fk, 'gv') ~= ARGV[4] then
  return { { 'conflict' }, notes }
end

local step_id = ARGV[6]
if step_id ~= '' then
  local f = held(step_id, ARGV[7])
  if not f then
    return { { replayed(step_id, ARGV[9]) and 'ok' or 'stale' }, notes }
  end
  local rn = f.rn + 1
  set_or_del(jkey(step_id), 'rs', ARGV[8])
  redis.call('HDEL', jkey(step_id), 'e')
  terminal(step_id, f, 'succeeded', now, ttl, { 'rn', rn, 'op', ARGV[9] })
  report(step_id, f.t, f.q, rn, 'succeeded', f.n, now)
end

if ARGV[5] ~= '' then
  redis.call('HSET', fk, 'gr', ARGV[5])
end
redis.call('HINCRBY', fk, 'gv', 1)

if ARGV[12] == '1' then
  local f = fields(flow_id, FLOW_FIELDS)
  if f.s == 'failed' or f.s == 'cancelled' then
    local rn = tonumber(f.rn)
    redis.call('HSET', fk, 's', 'active', 'b', now, 'rn', rn + 2)
    redis.call('HDEL', fk, 'f', 'x', 'e', 'rs')
    redis.call('ZREM', P .. 'exp', flow_id)
    redis.call('DEL', P .. 'r:' .. flow_id)
    index(flow_id, f.q, f.sq, f.s, 'active')
    report(flow_id, f.t, f.q, rn + 1, 'queued', 0, now)
    report(flow_id, f.t, f.q, rn + 2, 'active', tonumber(f.n), now)
  end
end

local i = 14
for _ = 1, tonumber(ARGV[13]) do
  rerun_job(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], now)
  i = i + 4
end
local n = tonumber(ARGV[i])
i = i + 1
for _ = 1, n do
  insert_step(flow_id, i, now)
  i = i + 13
end

if ARGV[10] ~= '' then
  flow_end(flow_id, ARGV[10], ARGV[11], now, ttl)
end
return { { 'ok' }, notes }
