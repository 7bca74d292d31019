--[[
  sfire: fires one tick of a schedule, atomically (a hash P..'sc:s:'..name per schedule, fields as in the Redis broker's sched.lua):
  if the schedule has revision `rev`, is not paused, and `tick` is after
  both its `since` and its `last`, then `last` = tick and the fire's job is
  inserted (its ticket is confirmed already) — unless overlap is refused and
  the last fire's job still lives: then only `last` moves (the tick is
  skipped, and the ticket finds no job).
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  name
  ARGV[3]  rev
  ARGV[4]  tick
  ARGV[5..16] the job, as one job of insert.lua
  Returns { { 'fired' | 'skipped' | 'stale' } ; notes }.
]]
local sk = P .. 'sc:s:' .. ARGV[2]
local rev, tick = tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()
local st = redis.call('HMGET', sk, 'rev', 'since', 'last', 'job', 'paused', 'ov')
if not st[1] or tonumber(st[1]) ~= rev or st[5] == '1' then
  return { { 'stale' }, notes }
end
if tick <= tonumber(st[2]) or (st[3] and tick <= tonumber(st[3])) then
  return { { 'stale' }, notes }
end
if st[6] == '0' and st[4] and LIVE[redis.call('HGET', jkey(st[4]), 's')] then
  redis.call('HSET', sk, 'last', tick)
  return { { 'skipped' }, notes }
end
local id = ARGV[5]
redis.call('HSET', sk, 'last', tick, 'job', id)
if redis.call('EXISTS', jkey(id)) == 0 and not live_key(ARGV[13]) then
  insert_job(id, ARGV[6], ARGV[7], ARGV[8], ARGV[9], tonumber(ARGV[10]), tonumber(ARGV[11]), ARGV[12] == '1',
    ARGV[13], ARGV[14], ARGV[15], ARGV[16], now, nil)
end
return { { 'fired' }, notes }
