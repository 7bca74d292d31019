--[[
  limits: the flow state of one queue: paused, the limited-until, and how
  many queued jobs a limit holds back — all of them while the queue is held,
  else those of full groups among the first GROUP_SCAN queued.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  queue
  Returns paused (0|1), limited-until (-1 = none), limited, Redis time.
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
local held = paused == 1 or until_ms > 0
local rl = gate.s.rateLimit
if not held and rl then
  held = redis.call('ZCOUNT', P .. 'rl:' .. q, '(' .. (now - rl.per), '+inf') >= rl.max
end
local limited = 0
local waiting = P .. 's:queued:' .. q
if held then
  limited = redis.call('ZCARD', waiting)
elseif gate.s.groupConcurrency then
  local m = groups_active(q)
  for _, id in ipairs(redis.call('ZRANGE', waiting, 0, GROUP_SCAN - 1)) do
    local g = group_in(redis.call('HGET', jkey(id), 'o'))
    if g and (m[g] or 0) >= gate.s.groupConcurrency then
      limited = limited + 1
    end
  end
end
return { paused, until_ms, limited, now }
