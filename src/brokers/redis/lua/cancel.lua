--[[
  cancel: queued or delayed -> cancelled (removed from its queue); active ->
  cancelled, its lease stale, and every process told on the event channel so
  the holder aborts; finished jobs are left alone.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  id
  ARGV[3]  resultTtl (ms)
  ARGV[4]  finished jobs kept per queue and status
  Returns 'not_found' | 'finished' | 'cancelled' | 'aborted', then task, queue, attempt, report number, broker time;
  or 'flow' for a live flow job, left as it was (the broker cancels it and its steps).
  A cancelled step fails its flow.
]]
local id, ttl, keep = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local jk = jkey(id)
local f = redis.call('HMGET', jk, 't', 's', 'q', 'n', 'p', 'sq', 'k', 'h', 'rn', 'w', 'fl', 'gv', 'b', 'am')
if not f[1] then
  return { 'not_found' }
end
local status, q = f[2], f[3]
if status == 'succeeded' or status == 'failed' or status == 'cancelled' then
  return { 'finished' }
end
if f[12] then
  return { 'flow' }
end
local now = now_ms()
local outcome = 'cancelled'
if not status then
  if (tonumber(f[5]) or 0) == 0 then
    redis.call('LREM', P .. 'w:' .. q, 1, id)
  else
    redis.call('ZREM', P .. 'z:' .. q, seq_member(tonumber(f[6]), id))
  end
elseif status == 'delayed' then
  redis.call('ZREM', P .. 'delayed', id)
  count('d:' .. q, -1)
else
  redis.call('ZREM', P .. 'active', id)
  count('a:' .. q, -1)
  ungroup(jk)
  outcome = 'aborted'
end
local attempt = tonumber(f[4]) or 0
local log, rn = settle_active(status, f[13], f[4], f[14], f[8], tonumber(f[9]) or 1)
rn = rn + 1
log = log_append(log, rn, 'c', attempt, now)
redis.call('HSET', jk, 's', 'cancelled', 'f', now, 'h', log, 'rn', rn)
finish(q, 'cancelled', id, now, ttl)
drop_key(f[7], id)
tell(f[10], id, rn, 'c', attempt, now)
if outcome == 'aborted' then
  publish('c' .. id)
end
fail_flow(f[11], id, f[1], nil, now, ttl)
flush_pushes()
flush_counters()
flush_finished(keep)
return { outcome, f[1], q, attempt, rn, now }
