--[[
  lease: leases up to `max` ready jobs, highest priority first, FIFO within a
  priority (ties across queues go in the order the queues are given).
  Due delayed jobs are promoted first.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  max
  ARGV[3]  lease length (ms)
  ARGV[4]  worker id ('' = none)
  ARGV[5]  token base (random; each lease's token is base..i)
  ARGV[6..] queue names
  Returns the broker time, then per job 8 values: id, token, task, queue, args, attempt, options ref,
  report number of its `active` report.
]]
local now = now_ms()
local max = tonumber(ARGV[2])
local until_ms = now + tonumber(ARGV[3])
local worker = ARGV[4]
local token_base = ARGV[5]
local queues = {}
for i = 6, #ARGV do
  queues[#queues + 1] = ARGV[i]
end
promote(now, 1000)
flush_pushes()

-- Pick ids: the common case (no priorities) pops lists in queue order.
local picked = {}
local any_sorted = false
for _, q in ipairs(queues) do
  if redis.call('ZCARD', P .. 'z:' .. q) > 0 then
    any_sorted = true
  end
end
if not any_sorted then
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
  local candidates = {}
  for qi, q in ipairs(queues) do
    local scored = redis.call('ZRANGE', P .. 'z:' .. q, 0, max - 1, 'WITHSCORES')
    local listed = redis.call('LRANGE', P .. 'w:' .. q, 0, max - 1)
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
  table.sort(candidates, function(a, b)
    if a.prio ~= b.prio then
      return a.prio > b.prio
    end
    if a.qi ~= b.qi then
      return a.qi < b.qi
    end
    return a.order < b.order
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

local out = { now }
local active = {}
for i, id in ipairs(picked) do
  local jk = jkey(id)
  local f = redis.call('HMGET', jk, 't', 'q', 'a', 'o', 'n', 'h', 'rn', 'w', 's')
  -- Only a waiting job (no status field) is leased; anything else is a stale entry.
  if f[1] and not f[9] then
    local attempt = (tonumber(f[5]) or 0) + 1
    local rn = (tonumber(f[7]) or 1) + 1
    local token = token_base .. i
    local log, entry = log_append(f[6], rn, 'a', attempt, now)
    redis.call('HSET', jk, 's', 'active', 'n', attempt, 'tk', token, 'b', now, 'wk', worker, 'h', log, 'rn', rn)
    active[#active + 1] = until_ms
    active[#active + 1] = id
    count('a:' .. f[2], 1)
    tell(f[8], id, entry)
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
flush_counters()
return out
