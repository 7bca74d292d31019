--[[
  sfire: fires one tick of a schedule, atomically (keys as in sched.lua):
  if the schedule has revision `rev`, is not paused, and `tick` is after
  both its `since` and its `last`, then `last` = tick and the fire's job is
  added — unless overlap is refused and the last fire's job still lives:
  then only `last` moves (the tick is skipped).
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  name
  ARGV[3]  rev
  ARGV[4]  tick
  ARGV[5..14] the job, as one job of enqueue.lua: id, task, queue, args,
           priority, delayMs, key, options ref, options JSON, watched
  Returns { 'fired' | 'skipped' | 'stale', status of the job or '', broker time }.
]]
local sk = P .. 's:' .. ARGV[2]
local rev, tick = tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()
local st = redis.call('HMGET', sk, 'rev', 'since', 'last', 'job', 'paused', 'ov')
if not st[1] or tonumber(st[1]) ~= rev or st[5] == '1' then
  return { 'stale', '', now }
end
if tick <= tonumber(st[2]) or (st[3] and tick <= tonumber(st[3])) then
  return { 'stale', '', now }
end
if st[6] == '0' and st[4] and is_live(st[4]) then
  redis.call('HSET', sk, 'last', tick)
  return { 'skipped', '', now }
end
local id, q = ARGV[5], ARGV[7]
redis.call('HSET', sk, 'last', tick, 'job', id)
redis.call('SADD', P .. 'queues', q)
local status = add_job(id, ARGV[6], q, ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11], ARGV[12],
  ARGV[13], ARGV[14], now, nil)
flush_pushes()
flush_counters()
return { 'fired', status, now }
