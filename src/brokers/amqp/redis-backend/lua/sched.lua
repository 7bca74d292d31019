--[[
  sched: stores, removes, pauses or resumes one schedule (the rules of
  core/contract/schedule-rules.ts, as the Redis broker's sched.lua). Keys
  under the prefix P:
    P..'sched'        set   every schedule name
    P..'sc:'..name    hash  d definition JSON (compared as a string), ov overlap
                            ('1'/'0'), rev, since, last (last tick fired or
                            skipped), job (job of the last fire), paused ('1'/'0')
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  op: 'put' | 'remove' | 'pause' | 'resume'
  ARGV[3]  name
  ARGV[4]  put: definition JSON
  ARGV[5]  put: overlap ('1'/'0')
  Returns put: 'created' | 'replaced' | 'unchanged'; the others: 1 (done) or 0 (unknown name).
]]
local op, name = ARGV[2], ARGV[3]
local sk = P .. 'sc:' .. name
local now = now_ms()
if op == 'put' then
  local current = redis.call('HMGET', sk, 'd', 'rev')
  if not current[1] then
    redis.call('HSET', sk, 'd', ARGV[4], 'ov', ARGV[5], 'rev', 1, 'since', now, 'paused', '0')
    redis.call('SADD', P .. 'sched', name)
    return 'created'
  end
  if current[1] == ARGV[4] then
    return 'unchanged'
  end
  redis.call('HSET', sk, 'd', ARGV[4], 'ov', ARGV[5], 'rev', tonumber(current[2]) + 1, 'since', now)
  return 'replaced'
end
if op == 'remove' then
  redis.call('SREM', P .. 'sched', name)
  return redis.call('DEL', sk)
end
local paused = redis.call('HGET', sk, 'paused')
if not paused then
  return 0
end
if op == 'pause' then
  redis.call('HSET', sk, 'paused', '1')
elseif paused == '1' then
  -- A resume starts from now: ticks missed while paused do not fire.
  redis.call('HSET', sk, 'paused', '0', 'since', math.max(tonumber(redis.call('HGET', sk, 'since')), now))
end
return 1
