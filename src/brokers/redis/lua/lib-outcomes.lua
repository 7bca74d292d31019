--[[
  Records a batch of outcomes (finish.lua, finlease.lua): `n` outcomes
  of 6 values each from ARGV[from] on, as finish.lua's header says. Each must
  hold its lease (status active, same token); otherwise it is refused as
  stale, unless it is the resend of an outcome already recorded (same
  outcome id: a command replayed after a reconnect). Returns the broker time
  `now`, then per outcome 5 values: 'ok' | 'stale' | 'again', task, queue,
  attempt, report number; or 'flow', flow id, step index, 0, 0 for the
  success of a step of a flow (left as it was: flow.lua records it with its
  flow's advance). A step that fails for good fails its flow here. Counters
  are the caller's to flush.
]]
local function record_outcomes(now, ttl, keep, from, n)
  local out = { now }
  local released = {}
  local i = from
  for _ = 1, n do
    local kind, id, token, payload, delay, op = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4]), ARGV[i + 5]
    i = i + 6
    local jk = jkey(id)
    local f = redis.call('HMGET', jk, 's', 'tk', 'q', 't', 'n', 'pl')
    -- Key, watched, report number, stored attempt, flow link, group: a plain job has none (lib.lua).
    if f[6] then
      f[6] = false
    else
      local more = redis.call('HMGET', jk, 'k', 'w', 'rn', 'am', 'fl', 'fx', 'g')
      for j = 1, 7 do
        f[5 + j] = more[j]
      end
    end
    if kind == 's' and f[10] and f[1] == 'active' and f[2] == token then
      out[#out + 1] = 'flow'
      out[#out + 1] = f[10]
      out[#out + 1] = f[11]
      out[#out + 1] = 0
      out[#out + 1] = 0
    elseif f[1] ~= 'active' or f[2] ~= token then
      out[#out + 1] = (op ~= '' and redis.call('HGET', jk, 'op') == op) and 'again' or 'stale'
      out[#out + 1] = f[4] or ''
      out[#out + 1] = f[3] or ''
      out[#out + 1] = tonumber(f[5]) or 0
      out[#out + 1] = 0
    else
      local q, attempt = f[3], f[5]
      local rn = tonumber(f[8]) or 1
      local code
      if kind == 's' then
        -- Derived, as the `active` report before it unless that one is stored (lib.lua).
        code = 's'
        rn = rn + (f[9] == attempt and 1 or 2)
        if payload ~= '' then
          redis.call('HSET', jk, 's', 'succeeded', 'f', str(now), 'op', op, 'rs', payload)
        else
          redis.call('HSET', jk, 's', 'succeeded', 'f', str(now), 'op', op)
        end
        finish(q, 'succeeded', id, now, ttl)
        drop_key(f[6], id)
      else
        local more = redis.call('HMGET', jk, 'h', 'b', 'p')
        local log
        log, rn = settle_active('active', more[2], attempt, f[9], more[1], rn)
        rn = rn + 1
        code = kind == 'f' and 'f' or 'r'
        log = log_append(log, rn, code, attempt, now, payload)
        if kind == 'f' then
          redis.call('HSET', jk, 's', 'failed', 'f', str(now), 'e', payload, 'h', log, 'rn', str(rn), 'op', op)
          finish(q, 'failed', id, now, ttl)
          drop_key(f[6], id)
          fail_flow(f[10], id, f[4], payload, now, ttl)
        elseif delay > 0 then
          redis.call('HSET', jk, 's', 'delayed', 'r', now + delay, 'e', payload, 'h', log, 'rn', rn, 'op', op)
          unplain(jk)
          redis.call('ZADD', P .. 'delayed', now + delay, id)
          count('d:' .. q, 1)
        else
          redis.call('HSET', jk, 'r', now, 'e', payload, 'h', log, 'rn', rn, 'op', op)
          unplain(jk)
          redis.call('HDEL', jk, 's')
          push(q, id, tonumber(more[3]) or 0, nil, false)
        end
      end
      released[#released + 1] = id
      count('a:' .. q, -1)
      ungroup(jk, f[12] or false)
      tell(f[7], id, rn, code, attempt, now, payload)
      out[#out + 1] = 'ok'
      out[#out + 1] = f[4]
      out[#out + 1] = q
      out[#out + 1] = tonumber(attempt)
      out[#out + 1] = rn
    end
  end
  if #released > 0 then
    chunked('ZREM', P .. 'active', released, 1000)
  end
  flush_pushes()
  flush_finished(keep)
  return out
end
