--[[
  Shared helpers, prepended to every script by scripts.ts (Redis Lua has no
  modules). Every script takes ARGV[1] = the key prefix `{prefix}:` (hash
  tagged, so every key of one prefix is in one Cluster slot) and KEYS[1] =
  `{prefix}:m`, a key in that slot for routing.

  Keys under the prefix P:
    P..'j:'..id        hash  one job (fields below)
    P..'h:'..id        list  its progress reports "n|attempt|at|value"
    P..'lg:'..id       list  its handler's log lines (JSON each), the last few hundred
    P..'w:'..queue     list  waiting jobs of priority 0 (FIFO)
    P..'z:'..queue     zset  waiting jobs of other priorities, score -priority, member seq..id
    P..'active'        zset  leased jobs by lease expiry
    P..'delayed'       zset  delayed jobs by run time
    P..'f:'..q..':'..s zset  finished jobs of a queue and status by finish time
    P..'exp'           zset  finished jobs by expiry (resultTtl)
    P..'keys'          hash  idempotency key -> id of the job holding it
    P..'queues'        set   every queue name seen
    P..'cnt'           hash  'a:'..q active count, 'd:'..q delayed count
    P..'opts'          hash  options reference -> options JSON (interned)
    P..'seq'           string counter for priority FIFO order
    P..'qset'          hash  queue -> its settings JSON
  Channel P..'ev': 'r'..id..'\n'..report (watched jobs), 'c'..id (cancel),
  'q' (jobs became ready), 'h'..token (watchdog heartbeat).

  Job fields: t task, q queue, a args, o options ref, c created, s status
  (absent = queued), p priority (absent = 0), sq seq (priority jobs), k key,
  r run at (absent = c), n attempt, tk token, b started, wk worker, f finished,
  pr progress, rs result, e error JSON, h stored reports, rn number of the
  last stored report (absent = 1: the synthesized `queued` report), am the
  attempt whose `active` report is stored, w watched, op last outcome id,
  pl set while the job has none of k w n rn am fl fx g (a plain job, made so
  by enqueue; whatever writes one of those deletes pl, see unplain), so
  lease.lua and finish.lua read those only when pl is absent: a missing
  field costs Redis a scan of the whole hash.
  Report log entries: "n|status|attempt|at|payload", status one of
  q a r s f c (queued active retrying succeeded failed cancelled).
  Reports the fields imply are not stored (the hot path writes no log):
  `queued` number 1 (from c), the current attempt's `active` while the job is
  active or succeeded (number rn + 1, at b; unless am = n: stored), and
  `succeeded` (the next number, at f). A report stored after a derived
  `active` stores that one first (settle_active).
]]
local P = ARGV[1]

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- An integer as a string, each value formatted once per script: Redis turns a
-- Lua number argument into text with "%.17g" on every call (and Lua's own
-- concatenation uses "%.14g"), which costs more than the command on the hot path.
local num_strings = {}
local function str(n)
  local s = num_strings[n]
  if not s then
    s = string.format('%d', n)
    num_strings[n] = s
  end
  return s
end

local function jkey(id)
  return P .. 'j:' .. id
end

local function publish(message)
  redis.call('PUBLISH', P .. 'ev', message)
end

local function seq_member(seq, id)
  return string.format('%016d', seq) .. id
end

-- Calls a variadic command in chunks, so no call unpacks too many arguments.
local function chunked(command, key, args, step)
  for i = 1, #args, step do
    local last = math.min(i + step - 1, #args)
    redis.call(command, key, unpack(args, i, last))
  end
end

-- Deletes the keys of jobs (hash, progress list, log lines); their index entries are the caller's.
local function drop_jobs(ids)
  local dead = {}
  for _, id in ipairs(ids) do
    dead[#dead + 1] = jkey(id)
    dead[#dead + 1] = P .. 'h:' .. id
    dead[#dead + 1] = P .. 'lg:' .. id
  end
  for i = 1, #dead, 1000 do
    redis.call('DEL', unpack(dead, i, math.min(i + 999, #dead)))
  end
end

-- One report-log entry.
local function entry_of(n, status, attempt, at, payload)
  return str(n) .. '|' .. status .. '|' .. str(attempt) .. '|' .. str(at) .. '|' .. (payload or '')
end

-- Appends one entry to the job's report log; returns the log and the entry.
local function log_append(log, n, status, attempt, at, payload)
  local entry = entry_of(n, status, attempt, at, payload)
  if log and log ~= '' then
    return log .. '\n' .. entry, entry
  end
  return entry, entry
end

-- The job gets one of the fields a plain job lacks (see pl above).
local function unplain(jk)
  redis.call('HDEL', jk, 'pl')
end

-- True while the current attempt's `active` report is implied by the fields
-- (status s, started b, attempt n, stored attempt am), not stored.
local function active_derived(s, b, n, am)
  return b and (s == 'active' or s == 'succeeded') and am ~= n
end

-- Before a report is stored after a derived `active` report, that one is
-- stored: returns the log and the number of its last report.
local function settle_active(s, b, n, am, log, rn)
  if active_derived(s, b, n, am) then
    return (log_append(log, rn + 1, 'a', n, b)), rn + 1
  end
  return log, rn
end

-- Waiting-list pushes are collected per queue and flushed once per script.
local pushes = {}
local push_order = {}
local wake = false

-- Makes a job waiting again. prio 0 goes to the list (front for a release),
-- others to the priority set (a release keeps the job's old place).
local function push(q, id, prio, seq, front)
  if prio == 0 then
    local entry = pushes[q]
    if not entry then
      entry = { back = {}, front = {} }
      pushes[q] = entry
      push_order[#push_order + 1] = q
    end
    if front then
      entry.front[#entry.front + 1] = id
    else
      entry.back[#entry.back + 1] = id
    end
    return nil
  end
  if not seq or front ~= true then
    seq = redis.call('INCR', P .. 'seq')
  end
  redis.call('ZADD', P .. 'z:' .. q, -prio, seq_member(seq, id))
  wake = true
  return seq
end

local function flush_pushes()
  for _, q in ipairs(push_order) do
    local entry = pushes[q]
    local key = P .. 'w:' .. q
    local added = #entry.back + #entry.front
    local len = 0
    -- LPUSH reverses its arguments: push the fronts last-first to keep their order.
    if #entry.front > 0 then
      local reversed = {}
      for i = #entry.front, 1, -1 do
        reversed[#reversed + 1] = entry.front[i]
      end
      for i = 1, #reversed, 1000 do
        len = redis.call('LPUSH', key, unpack(reversed, i, math.min(i + 999, #reversed)))
      end
    end
    for i = 1, #entry.back, 1000 do
      len = redis.call('RPUSH', key, unpack(entry.back, i, math.min(i + 999, #entry.back)))
    end
    -- A list that was not empty had its wake-up already: whoever is idle is leasing it.
    if len == added then
      wake = true
    end
  end
  pushes = {}
  push_order = {}
  if wake then
    publish('q')
    wake = false
  end
end

-- Per-queue counter changes, flushed once per script.
local counters = {}
local function count(field, delta)
  counters[field] = (counters[field] or 0) + delta
end
local function flush_counters()
  for field, delta in pairs(counters) do
    if delta ~= 0 then
      redis.call('HINCRBY', P .. 'cnt', field, delta)
    end
  end
  counters = {}
end

-- Finished-job bookkeeping, flushed once per script: the finished set of the
-- queue and status, the expiry index, and retention by count.
local finished = {}
local finished_order = {}
local expiring = {}
local function finish(q, status, id, now, ttl)
  local key = P .. 'f:' .. q .. ':' .. status
  local list = finished[key]
  if not list then
    list = {}
    finished[key] = list
    finished_order[#finished_order + 1] = key
  end
  list[#list + 1] = str(now)
  list[#list + 1] = id
  expiring[#expiring + 1] = str(now + ttl)
  expiring[#expiring + 1] = id
end

local function flush_finished(keep)
  if #expiring > 0 then
    chunked('ZADD', P .. 'exp', expiring, 2000)
  end
  for _, key in ipairs(finished_order) do
    chunked('ZADD', key, finished[key], 2000)
    local excess = redis.call('ZCARD', key) - keep
    if excess > 0 then
      local victims = redis.call('ZRANGE', key, 0, excess - 1)
      redis.call('ZREMRANGEBYRANK', key, 0, excess - 1)
      drop_jobs(victims)
      chunked('ZREM', P .. 'exp', victims, 1000)
    end
  end
  finished = {}
  finished_order = {}
  expiring = {}
end

-- Gives an idempotency key up when its job ends.
local function drop_key(key, id)
  if key and key ~= '' and redis.call('HGET', P .. 'keys', key) == id then
    redis.call('HDEL', P .. 'keys', key)
  end
end

-- Tells watchers (in any process) about a report of a watched job (the
-- entry is only built for a watched one).
local function tell(watched, id, n, status, attempt, at, payload)
  if watched then
    publish('r' .. id .. '\n' .. entry_of(n, status, attempt, at, payload))
  end
end

-- Moves due delayed jobs to their queues; returns how many.
local function promote(now, limit)
  local due = redis.call('ZRANGEBYSCORE', P .. 'delayed', '-inf', now, 'LIMIT', 0, limit)
  if #due == 0 then
    return 0
  end
  for _, id in ipairs(due) do
    local f = redis.call('HMGET', jkey(id), 's', 'q', 'p', 'sq')
    if f[1] == 'delayed' then
      redis.call('HDEL', jkey(id), 's')
      push(f[2], id, tonumber(f[3]) or 0, tonumber(f[4]), false)
      count('d:' .. f[2], -1)
    end
  end
  chunked('ZREM', P .. 'delayed', due, 1000)
  return #due
end

--[[ Flow control (docs/flow-control.md). Keys under P:
    P..'lim'           hash  queue -> leases stop until this time (RateLimited)
    P..'rl:'..queue    zset  lease times inside the queue's rate window (member: lease token)
    P..'gact'          hash  queue..'\n'..group -> active jobs of the group
  An active job of a group carries field g = queue..'\n'..group, so whatever
  ends its lease gives the group's slot back (ungroup).
]]

-- Gives back the group slot of a job leaving `active` (`g`: its field g when
-- the caller read it already, false when it has none; nil = read it here).
local function ungroup(jk, g)
  if g == nil then
    g = redis.call('HGET', jk, 'g')
  end
  if g then
    redis.call('HDEL', jk, 'g')
    if redis.call('HINCRBY', P .. 'gact', g, -1) <= 0 then
      redis.call('HDEL', P .. 'gact', g)
    end
    -- A slot of the group is free: idle workers (in any process) may lease its next job.
    wake = true
  end
end

-- A queue's stored settings (decoded) and limited-until, or nil when it has neither.
local function gate_of(q)
  local json = redis.call('HGET', P .. 'qset', q)
  local lim = tonumber(redis.call('HGET', P .. 'lim', q))
  if not json and not lim then
    return nil
  end
  return { s = json and cjson.decode(json) or {}, lim = lim }
end

-- How many jobs of the queue may be leased now (math.huge = no limit), and
-- when that may change (nil = not time-bound).
local function budget(q, gate, now)
  if gate.s.paused == true then
    return 0, nil
  end
  if gate.lim and gate.lim > now then
    return 0, gate.lim
  end
  local rl = gate.s.rateLimit
  if not rl then
    return math.huge, nil
  end
  local key = P .. 'rl:' .. q
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - rl.per)
  local n = rl.max - redis.call('ZCARD', key)
  if n > 0 then
    return n, nil
  end
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return 0, tonumber(oldest[2]) + rl.per
end

-- The `group` option of an options reference (cached per script).
local groups_of_ref = {}
local function group_of(ref)
  if not ref then
    return false
  end
  local g = groups_of_ref[ref]
  if g == nil then
    local json = redis.call('HGET', P .. 'opts', ref)
    g = json and cjson.decode(json).group or false
    if g == cjson.null then
      g = false
    end
    groups_of_ref[ref] = g
  end
  return g
end

-- True while a job is queued, delayed or active (it exists and has not finished).
local function is_live(id)
  local st = redis.call('HMGET', jkey(id), 's', 't')
  return st[2] and (not st[1] or st[1] == 'delayed' or st[1] == 'active')
end

-- Adds one job (enqueue.lua, and the steps of flows). A live job holding
-- `key`, or a job with this id already (a resent command), is answered
-- instead. `extra` are more fields for the new hash (a step's flow link).
-- Returns its status, 1 if a key matched (0 otherwise), and the holder's id on a match.
local function add_job(id, task, q, args, prio, delay, key, ref, oj, watched, now, extra)
  local jk = jkey(id)
  if key ~= '' then
    local holder = redis.call('HGET', P .. 'keys', key)
    if holder and is_live(holder) then
      return redis.call('HGET', jkey(holder), 's') or 'queued', 1, holder
    end
  end
  local existing = redis.call('HMGET', jk, 't', 's')
  if existing[1] then
    return existing[2] or 'queued', 0, nil
  end
  if oj ~= '' then
    redis.call('HSETNX', P .. 'opts', ref, oj)
  end
  local fields = { 't', task, 'q', q, 'a', args, 'o', ref, 'c', now }
  if watched ~= '' then
    fields[#fields + 1] = 'w'
    fields[#fields + 1] = 1
  end
  if watched == '' and key == '' and not extra then
    fields[#fields + 1] = 'pl'
    fields[#fields + 1] = '1'
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
  for _, v in ipairs(extra or {}) do
    fields[#fields + 1] = v
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
  return status, 0, nil
end

-- Re-runs a failed or cancelled job (rerun.lua, and the steps of a re-run
-- flow): queued again with a fresh attempt count and report log. If another
-- live job holds its key meanwhile, the re-run gives the key up. Returns false if not possible.
local function rerun_job(id, now)
  local jk = jkey(id)
  local f = redis.call('HMGET', jk, 't', 's', 'q', 'p', 'k', 'w')
  if not f[1] or (f[2] ~= 'failed' and f[2] ~= 'cancelled') then
    return false
  end
  local q = f[3]
  redis.call('ZREM', P .. 'f:' .. q .. ':' .. f[2], id)
  redis.call('ZREM', P .. 'exp', id)
  redis.call('DEL', P .. 'h:' .. id)
  redis.call('HDEL', jk, 's', 'n', 'b', 'f', 'wk', 'pr', 'rs', 'e', 'tk', 'op', 'sq', 'am')
  local key = f[5]
  if key then
    local holder = redis.call('HGET', P .. 'keys', key)
    local live = false
    if holder and holder ~= id then
      local st = redis.call('HMGET', jkey(holder), 's', 't')
      live = st[2] and (not st[1] or st[1] == 'delayed' or st[1] == 'active')
    end
    if live then
      redis.call('HDEL', jk, 'k')
    else
      redis.call('HSET', P .. 'keys', key, id)
    end
  end
  redis.call('HSET', jk, 'r', now, 'h', entry_of(1, 'q', 0, now), 'rn', 1)
  unplain(jk)
  tell(f[6], id, 1, 'q', 0, now)
  local seq = push(q, id, tonumber(f[4]) or 0, nil, false)
  if seq then
    redis.call('HSET', jk, 'sq', seq)
  end
  return true
end

-- Ends a live flow job (fields as a job's, plus gr its graph and gv its
-- version, bumped by every change): succeeded with `payload` as its result,
-- failed with `payload` as its error JSON, or cancelled. Returns true if it was live.
local function flow_end(flow_id, status, payload, now, ttl)
  local jk = jkey(flow_id)
  local f = redis.call('HMGET', jk, 's', 'q', 'n', 'h', 'rn', 'w', 'b', 'am')
  if f[1] ~= 'active' then
    return false
  end
  local q, attempt = f[2], f[3] or '1'
  local rn = tonumber(f[5]) or 1
  local code = status == 'succeeded' and 's' or (status == 'failed' and 'f' or 'c')
  if status == 'succeeded' then
    -- Derived, as a job's success (see the header).
    rn = rn + (active_derived(f[1], f[7], f[3], f[8]) and 2 or 1)
    if payload ~= '' then
      redis.call('HSET', jk, 'rs', payload)
    end
    redis.call('HSET', jk, 's', status, 'f', now)
  else
    local log
    log, rn = settle_active(f[1], f[7], f[3], f[8], f[4], rn)
    rn = rn + 1
    log = log_append(log, rn, code, attempt, now, payload)
    if status == 'failed' then
      redis.call('HSET', jk, 'e', payload)
    end
    redis.call('HSET', jk, 's', status, 'f', now, 'h', log, 'rn', rn)
  end
  redis.call('HINCRBY', jk, 'gv', 1)
  finish(q, status, flow_id, now, ttl)
  count('a:' .. q, -1)
  tell(f[6], flow_id, rn, code, attempt, now, payload)
  return true
end

-- A step failed for good (`err` its error JSON) or was cancelled (`err`
-- nil): its flow fails with an error naming it (core/flow/flow-driver.ts stepError).
local function fail_flow(flow_id, step_id, task, err, now, ttl)
  if not flow_id or flow_id == '' then
    return
  end
  local info = { name = 'JobCancelledError', code = 'ERR_DROVER_JOB_CANCELLED' }
  local what = 'was cancelled'
  if err then
    local e = cjson.decode(err)
    info.name = e.name or 'Error'
    info.code = e.code or 'ERR_DROVER_JOB_CANCELLED'
    info.stack = e.stack
    what = 'failed: ' .. tostring(e.message)
  end
  info.message = 'step ' .. task .. ' (job ' .. step_id .. ') ' .. what
  flow_end(flow_id, 'failed', cjson.encode(info), now, ttl)
end
