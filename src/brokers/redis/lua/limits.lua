--[[
  limits: the flow state of one queue (docs/flow-control.md): paused, the
  limited-until, and how many waiting jobs a limit holds back — all of them
  while the queue is held, else those of full groups among the first
  GROUP_SCAN waiting (a count past that depth is not made).
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  queue
  Returns paused (0|1), limited-until (-1 = none), limited, broker time.
]]
local GROUP_SCAN = 1000
local q = ARGV[2]
local now = now_ms()
local gate = gate_of(q)
if not gate then
  return { 0, -1, 0, now }
end
local paused = gate.s.paused == true and 1 or 0
local until_ms = (gate.lim and gate.lim > now) and gate.lim or -1
local limited = 0
local held = paused == 1 or until_ms > 0
local rl = gate.s.rateLimit
if not held and rl then
  held = redis.call('ZCOUNT', P .. 'rl:' .. q, '(' .. (now - rl.per), '+inf') >= rl.max
end
if held then
  limited = redis.call('LLEN', P .. 'w:' .. q) + redis.call('ZCARD', P .. 'z:' .. q)
elseif gate.s.groupConcurrency then
  local limit = gate.s.groupConcurrency
  local ids = redis.call('LRANGE', P .. 'w:' .. q, 0, GROUP_SCAN - 1)
  for _, member in ipairs(redis.call('ZRANGE', P .. 'z:' .. q, 0, GROUP_SCAN - 1)) do
    ids[#ids + 1] = string.sub(member, 17)
  end
  for _, id in ipairs(ids) do
    local g = group_of(redis.call('HGET', jkey(id), 'o'))
    if g and (tonumber(redis.call('HGET', P .. 'gact', q .. '\n' .. g)) or 0) >= limit then
      limited = limited + 1
    end
  end
end
return { paused, until_ms, limited, now }
