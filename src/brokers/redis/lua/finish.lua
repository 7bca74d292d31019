--[[
  finish: records the outcomes of a batch of attempts (ack and nack).
  Each one must hold its lease (status active, same token); otherwise it is
  refused as stale, unless it is the resend of an outcome already recorded
  (same outcome id: a command replayed after a reconnect).
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  resultTtl (ms)
  ARGV[3]  finished jobs kept per queue and status
  then per outcome, 6 values: kind ('s' succeeded, 'f' failed, 'r' retry),
           id, token, payload (encoded result, '' = undefined; or error JSON),
           retry delay (ms), outcome id
  Returns the broker time, then per outcome 5 values:
  'ok' | 'stale' | 'again', task, queue, attempt, report number;
  or 'flow', flow id, step index, 0, 0 for the success of a step of a flow,
  which is left as it was: flow.lua records it with its flow's advance.
  A step that fails for good fails its flow here.
]]
local now = now_ms()
local ttl = tonumber(ARGV[2])
local keep = tonumber(ARGV[3])
local out = { now }
local released = {}
local i = 4
while i + 5 <= #ARGV do
  local kind, id, token, payload, delay, op = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4]), ARGV[i + 5]
  i = i + 6
  local jk = jkey(id)
  local f = redis.call('HMGET', jk, 's', 'tk', 'q', 't', 'n', 'k', 'w', 'h', 'rn', 'p', 'sq', 'op', 'fl', 'fx', 'g')
  if kind == 's' and f[13] and f[1] == 'active' and f[2] == token then
    out[#out + 1] = 'flow'
    out[#out + 1] = f[13]
    out[#out + 1] = f[14]
    out[#out + 1] = 0
    out[#out + 1] = 0
  elseif f[1] ~= 'active' or f[2] ~= token then
    out[#out + 1] = (op ~= '' and f[12] == op) and 'again' or 'stale'
    out[#out + 1] = f[4] or ''
    out[#out + 1] = f[3] or ''
    out[#out + 1] = tonumber(f[5]) or 0
    out[#out + 1] = 0
  else
    local q, attempt = f[3], tonumber(f[5])
    local rn = (tonumber(f[9]) or 1) + 1
    local status
    local log, entry
    if kind == 's' then
      status = 'succeeded'
      log, entry = log_append(f[8], rn, 's', attempt, now, payload)
      -- The result lives in its own field; the log entry carries it only on the wire.
      log = log_append(f[8], rn, 's', attempt, now)
      redis.call('HSET', jk, 's', status, 'f', now, 'h', log, 'rn', rn, 'op', op)
      if payload ~= '' then
        redis.call('HSET', jk, 'rs', payload)
      end
      finish(q, status, id, now, ttl)
      drop_key(f[6], id)
    elseif kind == 'f' then
      status = 'failed'
      log, entry = log_append(f[8], rn, 'f', attempt, now, payload)
      redis.call('HSET', jk, 's', status, 'f', now, 'e', payload, 'h', log, 'rn', rn, 'op', op)
      finish(q, status, id, now, ttl)
      drop_key(f[6], id)
      fail_flow(f[13], id, f[4], payload, now, ttl)
    else
      log, entry = log_append(f[8], rn, 'r', attempt, now, payload)
      if delay > 0 then
        redis.call('HSET', jk, 's', 'delayed', 'r', now + delay, 'e', payload, 'h', log, 'rn', rn, 'op', op)
        redis.call('ZADD', P .. 'delayed', now + delay, id)
        count('d:' .. q, 1)
      else
        redis.call('HSET', jk, 'r', now, 'e', payload, 'h', log, 'rn', rn, 'op', op)
        redis.call('HDEL', jk, 's')
        push(q, id, tonumber(f[10]) or 0, nil, false)
      end
    end
    released[#released + 1] = id
    count('a:' .. q, -1)
    ungroup(jk, f[15] or false)
    tell(f[7], id, entry)
    out[#out + 1] = 'ok'
    out[#out + 1] = f[4]
    out[#out + 1] = q
    out[#out + 1] = attempt
    out[#out + 1] = rn
  end
end
if #released > 0 then
  chunked('ZREM', P .. 'active', released, 1000)
end
flush_pushes()
flush_counters()
flush_finished(keep)
return out
