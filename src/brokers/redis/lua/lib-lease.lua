--[[
  Leases up to `max` ready jobs of `queues` (lease.lua, finlease.lua), as
  lease.lua's header says, and returns its reply. Counters are the caller's
  to flush.
]]
local GROUP_SCAN = 1000
local function lease_jobs(now, max, lease_ms, worker, token_base, queues)
  local until_ms = now + lease_ms
  promote(now, 1000)
  flush_pushes()

  local gates, budgets = {}, {}
  local gated, wake_at = false, -1
  for _, q in ipairs(queues) do
    local gate = gate_of(q)
    if gate then
      gated = true
      gates[q] = gate
      if gate.lim and gate.lim <= now then
        redis.call('HDEL', P .. 'lim', q)
      end
      local n, at = budget(q, gate, now)
      budgets[q] = n
      if at and (wake_at < 0 or at < wake_at) then
        wake_at = at
      end
    end
  end

  -- Waiting jobs of the queues, best first: the head of each priority set and list.
  local function candidates_of(depth_of)
    local candidates = {}
    for qi, q in ipairs(queues) do
      local depth = depth_of(q)
      if depth > 0 then
        local scored = redis.call('ZRANGE', P .. 'z:' .. q, 0, depth - 1, 'WITHSCORES')
        local listed = redis.call('LRANGE', P .. 'w:' .. q, 0, depth - 1)
        local order = 0
        for j = 1, #scored, 2 do
          order = order + 1
          local prio = -tonumber(scored[j + 1])
          -- Members sort by score then by member: priorities below 0 come after the list.
          candidates[#candidates + 1] = { prio = prio, qi = qi, order = order + (prio < 0 and 1e9 or 0), z = scored[j], q = q }
        end
        for _, id in ipairs(listed) do
          order = order + 1
          candidates[#candidates + 1] = { prio = 0, qi = qi, order = order + 5e8, id = id, q = q }
        end
      end
    end
    table.sort(candidates, function(a, b)
      if a.prio ~= b.prio then
        return a.prio > b.prio
      end
      if a.qi ~= b.qi then
        return a.qi < b.qi
      end
      return a.order < b.order
    end)
    return candidates
  end

  -- Pick ids: the common case (no priorities) pops lists in queue order.
  local picked = {}

  -- A gated lease: each queue within its budget, full groups passed over.
  local function pick_gated()
    local candidates = candidates_of(function(q)
      local gate = gates[q]
      if (budgets[q] or max) <= 0 then
        return 0
      end
      return (gate and gate.s.groupConcurrency) and math.max(max, GROUP_SCAN) or max
    end)
    local taken, active = {}, {}
    for _, c in ipairs(candidates) do
      if #picked >= max then
        break
      end
      local q = c.q
      if (budgets[q] or math.huge) - (taken[q] or 0) > 0 then
        local id = c.z and string.sub(c.z, 17) or c.id
        local ok = true
        local limit = gates[q] and gates[q].s.groupConcurrency
        if limit then
          local g = group_of(redis.call('HGET', jkey(id), 'o'))
          if g then
            local gk = q .. '\n' .. g
            local n = active[gk] or tonumber(redis.call('HGET', P .. 'gact', gk)) or 0
            ok = n < limit
            if ok then
              active[gk] = n + 1
            end
          end
        end
        if ok then
          if c.z then
            redis.call('ZREM', P .. 'z:' .. q, c.z)
          else
            redis.call('LREM', P .. 'w:' .. q, 1, c.id)
          end
          picked[#picked + 1] = id
          taken[q] = (taken[q] or 0) + 1
        end
      end
    end
  end

  local any_sorted = false
  for _, q in ipairs(queues) do
    if redis.call('ZCARD', P .. 'z:' .. q) > 0 then
      any_sorted = true
    end
  end
  if gated then
    pick_gated()
  elseif not any_sorted then
    for _, q in ipairs(queues) do
      local want = max - #picked
      if want <= 0 then
        break
      end
      local ids = redis.call('LPOP', P .. 'w:' .. q, want)
      if ids then
        for _, id in ipairs(ids) do
          picked[#picked + 1] = id
        end
      end
    end
  else
    local candidates = candidates_of(function()
      return max
    end)
    local pops = {}
    for j = 1, math.min(max, #candidates) do
      local c = candidates[j]
      if c.z then
        redis.call('ZREM', P .. 'z:' .. c.q, c.z)
        picked[#picked + 1] = string.sub(c.z, 17)
      else
        pops[c.q] = (pops[c.q] or 0) + 1
        picked[#picked + 1] = c.id
      end
    end
    for q, n in pairs(pops) do
      redis.call('LPOP', P .. 'w:' .. q, n)
    end
  end

  local out = { now, wake_at, (gated or any_sorted) and 0 or 1 }
  local windows = {}
  local active = {}
  for i, id in ipairs(picked) do
    local jk = jkey(id)
    local f = redis.call('HMGET', jk, 't', 'q', 'a', 'o', 's', 'pl')
    -- Only a waiting job (no status field) is leased; anything else is a stale entry.
    if f[1] and not f[5] then
      -- Attempt, report number, watched: a plain job has none (lib.lua).
      local more = f[6] and {} or redis.call('HMGET', jk, 'n', 'rn', 'w')
      local attempt = (tonumber(more[1]) or 0) + 1
      -- The `active` report is derived (lib.lua): nothing is logged.
      local rn = (tonumber(more[2]) or 1) + 1
      local token = token_base .. string.format('%d', i)
      redis.call('HSET', jk, 's', 'active', 'n', str(attempt), 'tk', token, 'b', str(now), 'wk', worker)
      local g = group_of(f[4])
      if g then
        local gk = f[2] .. '\n' .. g
        redis.call('HSET', jk, 'g', gk)
        unplain(jk)
        redis.call('HINCRBY', P .. 'gact', gk, 1)
      end
      local gate = gates[f[2]]
      if gate and gate.s.rateLimit then
        redis.call('ZADD', P .. 'rl:' .. f[2], now, token)
        windows[f[2]] = gate.s.rateLimit.per
      end
      active[#active + 1] = str(until_ms)
      active[#active + 1] = id
      count('a:' .. f[2], 1)
      tell(more[3], id, rn, 'a', attempt, now)
      out[#out + 1] = id
      out[#out + 1] = token
      out[#out + 1] = f[1]
      out[#out + 1] = f[2]
      out[#out + 1] = f[3]
      out[#out + 1] = attempt
      out[#out + 1] = f[4]
      out[#out + 1] = rn
    end
  end
  if #active > 0 then
    chunked('ZADD', P .. 'active', active, 2000)
  end
  for q, per in pairs(windows) do
    redis.call('PEXPIRE', P .. 'rl:' .. q, per)
  end
  return out
end
