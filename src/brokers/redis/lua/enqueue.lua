--[[
  enqueue: adds a batch of jobs atomically.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix '{prefix}:'
  ARGV[2]  number of new queue names that follow (to add to the queue set)
  ARGV[..] the queue names
  then per job, 10 values: id, task, queue, args, priority, delayMs, key ('' = none),
           options ref, options JSON ('' when the caller knows it is stored),
           watched ('1': publish its reports from the start, '' otherwise)
  Returns per job: id, status, duplicate (0/1); then the broker time.
  A job whose id exists already (a resent command) answers its status, not a duplicate.
]]
local now = now_ms()
local new_queues = tonumber(ARGV[2])
local base = 3
if new_queues > 0 then
  redis.call('SADD', P .. 'queues', unpack(ARGV, 3, 2 + new_queues))
  base = 3 + new_queues
end
local out = {}
local i = base
while i + 9 <= #ARGV do
  local id, task, q, args = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local prio, delay, key, ref, oj = tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5]), ARGV[i + 6], ARGV[i + 7], ARGV[i + 8]
  local watched = ARGV[i + 9]
  i = i + 10
  local rid, status, dup = add_job(id, task, q, args, prio, delay, key, ref, oj, watched, now)
  out[#out + 1] = rid
  out[#out + 1] = status
  out[#out + 1] = dup
end
flush_pushes()
flush_counters()
out[#out + 1] = now
return out
