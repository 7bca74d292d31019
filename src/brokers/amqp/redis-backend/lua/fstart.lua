--[[
  fstart: records a flow job (active, never leased, with its graph at
  version 1) and its first steps (their tickets confirmed), unless a job
  with the flow's id exists.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2..6] the flow: id, task (its kind), queue, args, options JSON
  ARGV[7]  its graph (encoded)
  then per step 13 values: as insert.lua's 12, and the step index
  Returns { { 'ok' } or { 'exists', status } ; notes }.
]]
local now = now_ms()
local flow_id, task, q = ARGV[2], ARGV[3], ARGV[4]
local fk = jkey(flow_id)
local existing = redis.call('HGET', fk, 's')
if existing then
  return { { 'exists', existing }, notes }
end
local seq = redis.call('INCR', P .. 'seq')
redis.call('HSET', fk, 't', task, 'q', q, 's', 'active', 'p', 0, 'n', 1, 'rt', 0, 'o', ARGV[6], 'r', now, 'c', now,
  'b', now, 'g', 1, 'nc', '', 'rn', 2, 'sq', seq, 'gr', ARGV[7], 'gv', 1)
if ARGV[5] ~= '' then
  redis.call('HSET', fk, 'a', ARGV[5])
end
redis.call('SADD', P .. 'queues', q)
index(flow_id, q, seq, nil, 'active')
report(flow_id, task, q, 1, 'queued', 0, now)
report(flow_id, task, q, 2, 'active', 1, now)
for i = 8, #ARGV, 13 do
  insert_step(flow_id, i, now)
end
return { { 'ok' }, notes }
