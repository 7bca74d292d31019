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
  local jk = jkey(id)
  local holder = nil
  local holder_status = nil
  if key ~= '' then
    holder = redis.call('HGET', P .. 'keys', key)
    if holder then
      local st = redis.call('HMGET', jkey(holder), 's', 't')
      if st[2] and (not st[1] or st[1] == 'delayed' or st[1] == 'active') then
        holder_status = st[1] or 'queued'
      end
    end
  end
  local existing = redis.call('HMGET', jk, 't', 's')
  if holder_status then
    out[#out + 1] = holder
    out[#out + 1] = holder_status
    out[#out + 1] = 1
  elseif existing[1] then
    out[#out + 1] = id
    out[#out + 1] = existing[2] or 'queued'
    out[#out + 1] = 0
  else
    if oj ~= '' then
      redis.call('HSETNX', P .. 'opts', ref, oj)
    end
    local fields = { 't', task, 'q', q, 'a', args, 'o', ref, 'c', now }
    if watched ~= '' then
      fields[#fields + 1] = 'w'
      fields[#fields + 1] = 1
    end
    if prio ~= 0 then
      fields[#fields + 1] = 'p'
      fields[#fields + 1] = prio
    end
    if key ~= '' then
      fields[#fields + 1] = 'k'
      fields[#fields + 1] = key
      redis.call('HSET', P .. 'keys', key, id)
    end
    local status = 'queued'
    if delay > 0 then
      status = 'delayed'
      fields[#fields + 1] = 's'
      fields[#fields + 1] = 'delayed'
      fields[#fields + 1] = 'r'
      fields[#fields + 1] = now + delay
      if prio ~= 0 then
        fields[#fields + 1] = 'sq'
        fields[#fields + 1] = redis.call('INCR', P .. 'seq')
      end
      redis.call('ZADD', P .. 'delayed', now + delay, id)
      count('d:' .. q, 1)
    else
      local seq = push(q, id, prio, nil, false)
      if seq then
        fields[#fields + 1] = 'sq'
        fields[#fields + 1] = seq
      end
    end
    redis.call('HSET', jk, unpack(fields))
    out[#out + 1] = id
    out[#out + 1] = status
    out[#out + 1] = 0
  end
end
flush_pushes()
flush_counters()
out[#out + 1] = now
return out
