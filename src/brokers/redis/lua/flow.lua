--[[
  flow: one atomic change of a flow (contract/flows.ts), computed by the
  broker in TypeScript (core/flow/flow-driver.ts) from the flow's graph at
  version `expected`, and applied here only if the version is still that
  (else 'conflict': the caller reads again and recomputes). Records a step's
  success with its flow's advance, starts a flow, re-opens one, re-runs and
  enqueues steps, ends a flow.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  resultTtl (ms)
  ARGV[3]  finished jobs kept per queue and status
  ARGV[4]  flow id
  ARGV[5]  expected graph version ('' = start a new flow, 'none' = the flow must not exist)
  ARGV[6]  the new graph ('' = unchanged)
  ARGV[7..10]  the step that succeeded: id ('' = none), token, encoded result, outcome id
  ARGV[11..12] the flow's end: '' | 'succeeded' | 'cancelled', encoded result
  ARGV[13] '1' to re-open a failed or cancelled flow
  ARGV[14..16] on start: the flow's task (its kind), queue, options ref; ARGV[17] options JSON
  ARGV[18] number of steps to re-run, then their ids
  then the number of steps to enqueue, then per step 9 values: id, task,
  queue, encoded args, priority, delay (ms), options ref, options JSON ('' when stored), step index
  Returns 'ok', broker time, and for the step: task, queue, attempt, report
  number; or 'conflict' | 'stale' | 'again' | 'exists'.
]]
local ttl, keep = tonumber(ARGV[2]), tonumber(ARGV[3])
local flow_id, expected, graph = ARGV[4], ARGV[5], ARGV[6]
local fk = jkey(flow_id)
local now = now_ms()

if expected == '' then
  if redis.call('EXISTS', fk) == 1 then
    return { 'exists' }
  end
  local q = ARGV[15]
  if ARGV[17] ~= '' then
    redis.call('HSETNX', P .. 'opts', ARGV[16], ARGV[17])
  end
  -- Its `queued` and `active` reports are derived (lib.lua).
  redis.call('HSET', fk, 't', ARGV[14], 'q', q, 'o', ARGV[16], 'c', now, 's', 'active', 'n', 1, 'b', now,
    'gr', graph, 'gv', 1)
  redis.call('SADD', P .. 'queues', q)
  count('a:' .. q, 1)
elseif expected == 'none' then
  -- The flow is gone (pruned): the step's success is still recorded.
  if redis.call('EXISTS', fk) == 1 then
    return { 'conflict' }
  end
elseif redis.call('HGET', fk, 'gv') ~= expected then
  return { 'conflict' }
end

local out = { 'ok', now }
local step_id = ARGV[7]
if step_id ~= '' then
  local jk = jkey(step_id)
  local f = redis.call('HMGET', jk, 's', 'tk', 'q', 't', 'n', 'k', 'w', 'am', 'rn', 'op')
  if f[1] ~= 'active' or f[2] ~= ARGV[8] then
    return { (ARGV[10] ~= '' and f[10] == ARGV[10]) and 'again' or 'stale' }
  end
  local q, attempt = f[3], tonumber(f[5])
  -- Derived, as a job's success (lib.lua).
  local rn = (tonumber(f[9]) or 1) + (f[8] == f[5] and 1 or 2)
  redis.call('HSET', jk, 's', 'succeeded', 'f', now, 'op', ARGV[10])
  if ARGV[9] ~= '' then
    redis.call('HSET', jk, 'rs', ARGV[9])
  end
  finish(q, 'succeeded', step_id, now, ttl)
  drop_key(f[6], step_id)
  redis.call('ZREM', P .. 'active', step_id)
  count('a:' .. q, -1)
  tell(f[7], step_id, rn, 's', attempt, now, ARGV[9])
  out[#out + 1] = f[4]
  out[#out + 1] = q
  out[#out + 1] = attempt
  out[#out + 1] = rn
end

if expected ~= '' and expected ~= 'none' and graph ~= '' then
  redis.call('HSET', fk, 'gr', graph)
  redis.call('HINCRBY', fk, 'gv', 1)
end

if ARGV[13] == '1' then
  local f = redis.call('HMGET', fk, 's', 'q', 'n', 'rn', 'w')
  if f[1] == 'failed' or f[1] == 'cancelled' then
    local q = f[2]
    redis.call('ZREM', P .. 'f:' .. q .. ':' .. f[1], flow_id)
    redis.call('ZREM', P .. 'exp', flow_id)
    redis.call('HDEL', fk, 'f', 'e', 'rs')
    local rn = tonumber(f[4]) or 1
    -- A new `queued` report, stored; the `active` one after it is derived (lib.lua).
    redis.call('HSET', fk, 's', 'active', 'b', now, 'h', entry_of(rn + 1, 'q', 0, now), 'rn', rn + 1)
    redis.call('HDEL', fk, 'am')
    count('a:' .. q, 1)
    tell(f[5], flow_id, rn + 1, 'q', 0, now)
    tell(f[5], flow_id, rn + 2, 'a', f[3] or 1, now)
  end
end

local i = 19
for _ = 1, tonumber(ARGV[18]) do
  rerun_job(ARGV[i], now)
  i = i + 1
end
local n = tonumber(ARGV[i])
i = i + 1
for _ = 1, n do
  local id, task, q, args = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local prio, delay, ref, oj = tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5]), ARGV[i + 6], ARGV[i + 7]
  redis.call('SADD', P .. 'queues', q)
  add_job(id, task, q, args, prio, delay, '', ref, oj, '', now, { 'fl', flow_id, 'fx', ARGV[i + 8] })
  i = i + 9
end

if ARGV[11] ~= '' then
  flow_end(flow_id, ARGV[11], ARGV[12], now, ttl)
end
flush_pushes()
flush_counters()
flush_finished(keep)
return out
