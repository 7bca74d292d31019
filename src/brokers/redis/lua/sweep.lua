--[[
  sweep: run by every live process now and then (any of them may get there
  first; each step is atomic): promotes due delayed jobs, expires leases (the
  job waits again with a `retrying` report while attempts remain, else fails),
  and prunes finished jobs past resultTtl.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  most jobs per kind of work
  ARGV[3]  resultTtl (ms)
  ARGV[4]  finished jobs kept per queue and status
  ARGV[5]  the expired-lease message before the job id
  ARGV[6]  the expired-lease message after the job id
  Returns: broker time, promoted, expired, pruned, next delayed run time (-1 = none),
  then per expired job: id, task, queue, status ('retrying' | 'failed'), attempt, error JSON.
]]
local limit, ttl, keep = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()
local promoted = promote(now, limit)
local expired = redis.call('ZRANGEBYSCORE', P .. 'active', '-inf', now, 'LIMIT', 0, limit)
local options = {}
local reports = {}
for _, id in ipairs(expired) do
  local jk = jkey(id)
  local f = redis.call('HMGET', jk, 's', 't', 'q', 'n', 'o', 'rn', 'w', 'h', 'p', 'k', 'fl', 'b', 'am')
  if f[1] == 'active' then
    local q, attempt = f[3], tonumber(f[4]) or 1
    local retries = options[f[5]]
    if retries == nil then
      local json = redis.call('HGET', P .. 'opts', f[5])
      retries = json and (cjson.decode(json).retries or 0) or 0
      options[f[5]] = retries
    end
    local error = cjson.encode({
      name = 'LeaseExpiredError',
      message = ARGV[5] .. id .. ARGV[6],
      code = 'ERR_DROVER_LEASE_EXPIRED',
    })
    local log, rn = settle_active(f[1], f[12], f[4], f[13], f[8], tonumber(f[6]) or 1)
    rn = rn + 1
    local status = attempt <= retries and 'retrying' or 'failed'
    local code = status == 'retrying' and 'r' or 'f'
    log = log_append(log, rn, code, attempt, now, error)
    if status == 'retrying' then
      redis.call('HSET', jk, 'r', now, 'e', error, 'h', log, 'rn', rn)
      unplain(jk)
      redis.call('HDEL', jk, 's')
      push(q, id, tonumber(f[9]) or 0, nil, false)
    else
      redis.call('HSET', jk, 's', 'failed', 'f', now, 'e', error, 'h', log, 'rn', rn)
      finish(q, 'failed', id, now, ttl)
      drop_key(f[10], id)
      fail_flow(f[11], id, f[2], error, now, ttl)
    end
    count('a:' .. q, -1)
    ungroup(jk)
    tell(f[7], id, rn, code, attempt, now, error)
    reports[#reports + 1] = id
    reports[#reports + 1] = f[2]
    reports[#reports + 1] = q
    reports[#reports + 1] = status
    reports[#reports + 1] = attempt
    reports[#reports + 1] = error
  end
end
if #expired > 0 then
  chunked('ZREM', P .. 'active', expired, 1000)
end
flush_pushes()
flush_counters()
flush_finished(keep)

local prunable = redis.call('ZRANGEBYSCORE', P .. 'exp', '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(prunable) do
  local f = redis.call('HMGET', jkey(id), 'q', 's')
  if f[1] and f[2] then
    redis.call('ZREM', P .. 'f:' .. f[1] .. ':' .. f[2], id)
  end
end
if #prunable > 0 then
  drop_jobs(prunable)
  chunked('ZREM', P .. 'exp', prunable, 1000)
end
local next_due = redis.call('ZRANGE', P .. 'delayed', 0, 0, 'WITHSCORES')
local out = { now, promoted, #expired, #prunable, next_due[2] or -1 }
for _, v in ipairs(reports) do
  out[#out + 1] = v
end
return out
