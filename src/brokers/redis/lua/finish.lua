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
local out = record_outcomes(now, tonumber(ARGV[2]), tonumber(ARGV[3]), 4, math.floor((#ARGV - 3) / 6))
flush_counters()
return out
