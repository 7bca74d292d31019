--[[
  The AMQP broker's Redis result backend: shared helpers, prepended to every
  script by scripts.ts (Redis Lua has no modules). Every script takes
  ARGV[1] = the key prefix `{prefix}:` (hash tagged: every key of one prefix
  is in one Cluster slot) and KEYS[1] = `{prefix}:m`, a key in that slot for
  routing. Times are Redis's clock (TIME), one clock for every process.

  Keys under the prefix P:
    P..'j:'..id          hash  one job (fields below)
    P..'r:'..id          zset  its reports, score n, member JSON [n, status, attempt, at, error, value],
                         except two the job hash tells (no write on the hot path): the
                         current attempt's `active` report (n = an, attempt n, at b) and
                         the `succeeded` one (n = rn, attempt n, at f); a claim that
                         replaces `an` (the next attempt) or a release stores the old one
                         first (store_active); history.lua adds both.
    P..'pn:'..id         list  the numbers of its progress reports still kept, oldest first
    P..'s:'..status..':'..queue  zset  a queue's jobs of a status, score seq (listing order,
                         newest last; counts are their sizes). No index of a status across
                         queues: list.lua merges the queues' (one index less to keep per change)
    P..'queues'          set   every queue seen (counts list each, zeros too)
    P..'leases'          zset  active jobs by lease expiry
    P..'exp'             zset  finished jobs by expiry (resultTtl)
    P..'keys'            hash  idempotency key -> id of the live job holding it
    P..'seq'             string counter: a job's seq, given once at insert

  Job fields: t task, q queue, a args, s status, p priority, n attempt,
  rt retries, o options JSON, k key, r run at, c created, b started,
  f finished, x expires, g gen, nc the nonce of its ticket, tk token,
  lu lease lease_end, wk worker, pr progress, rs result, e error JSON,
  rn number of its last report, an number of its current `active` report, sq seq, op the id of the last ack / nack
  call recorded (a resent call is recognised by it). Absent = NULL.
  A flow step also has fl its flow's id, fx its step index; a flow job
  (queue drover.flows, active, never leased) gr its graph, gv its version.

  Write scripts return { values, notes }: notes are 8 values per report
  recorded: id, task, queue, n, status, attempt, at, error JSON ('' = none).
]]
local P = ARGV[1]
local notes = {}

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function jkey(id)
  return P .. 'j:' .. id
end

local LIVE = { queued = true, delayed = true, active = true }

--[[ Flow control (docs/flow-control.md; claim.lua gates, limits.lua reads). Keys under P:
    P..'qset'        hash  queue -> settings JSON
    P..'lim'         hash  queue -> nothing is claimed before this time (RateLimited)
    P..'rl:'..queue  zset  claim times inside the queue's rate window (member: lease token)
  Active jobs per group are counted from P..'s:active:'..queue, each job's
  group read from its options: whatever ends a lease gives the slot back.
]]
local gates = {}

-- A queue's settings (decoded) and limited-until, or false when it has neither (cached per script).
local function gate_of(q)
  local gate = gates[q]
  if gate == nil then
    local json = redis.call('HGET', P .. 'qset', q)
    local lim = tonumber(redis.call('HGET', P .. 'lim', q))
    gate = (json or lim) and { s = json and cjson.decode(json) or {}, lim = lim } or false
    gates[q] = gate
  end
  return gate
end

-- The `group` job option in an options JSON, or nil.
local function group_in(opts)
  if not opts then
    return nil
  end
  local ok, o = pcall(cjson.decode, opts)
  if ok and type(o) == 'table' and type(o.group) == 'string' then
    return o.group
  end
  return nil
end

-- Active jobs per group of a queue (counted once per script; admit keeps it current).
local active_groups = {}
local function groups_active(q)
  local m = active_groups[q]
  if not m then
    m = {}
    for _, id in ipairs(redis.call('ZRANGE', P .. 's:active:' .. q, 0, -1)) do
      local g = group_in(redis.call('HGET', jkey(id), 'o'))
      if g then
        m[g] = (m[g] or 0) + 1
      end
    end
    active_groups[q] = m
  end
  return m
end

-- The gate of a claim: nil when the job (queue q, options opts) may start
-- now (recorded in its rate window under token), else how long it waits
-- (ms), or '' when no time is known (paused, a full group).
local function admit(q, opts, now, token)
  local gate = gate_of(q)
  if not gate then
    return nil
  end
  if gate.s.paused == true then
    return ''
  end
  if gate.lim and gate.lim > now then
    return gate.lim - now
  end
  local rl = gate.s.rateLimit
  local rk = P .. 'rl:' .. q
  if rl then
    redis.call('ZREMRANGEBYSCORE', rk, '-inf', now - rl.per)
    if redis.call('ZCARD', rk) >= rl.max then
      local oldest = redis.call('ZRANGE', rk, 0, 0, 'WITHSCORES')
      return math.max(1, tonumber(oldest[2]) + rl.per - now)
    end
  end
  local limit = gate.s.groupConcurrency
  local g = limit and group_in(opts)
  if g then
    local m = groups_active(q)
    if (m[g] or 0) >= limit then
      return ''
    end
    m[g] = (m[g] or 0) + 1
  end
  if rl then
    redis.call('ZADD', rk, now, token)
    redis.call('PEXPIRE', rk, rl.per)
  end
  return nil
end

-- Notes report n of a job for the broker's listeners (recorded elsewhere, or told by the job hash).
local function note(id, task, queue, n, status, attempt, at, err)
  local k = #notes
  notes[k + 1] = id
  notes[k + 2] = task
  notes[k + 3] = queue
  notes[k + 4] = n
  notes[k + 5] = status
  notes[k + 6] = attempt
  notes[k + 7] = at
  notes[k + 8] = err or ''
end

-- Records report n of a job and notes it for the broker's listeners.
local function report(id, task, queue, n, status, attempt, at, err, value)
  local member = cjson.encode({ n, status, attempt, at, err or '', value or '' })
  redis.call('ZADD', P .. 'r:' .. id, n, member)
  note(id, task, queue, n, status, attempt, at, err)
end

-- A report the job hash tells, as its stored JSON would be (strings: no cjson).
local function told(n, status, attempt, at)
  return '[' .. n .. ',"' .. status .. '",' .. attempt .. ',' .. at .. ',"",""]'
end

-- Stores the `active` report the job hash tells as a member, before a claim or release replaces it.
local function store_active(id)
  local a = redis.call('HMGET', jkey(id), 'an', 'n', 'b')
  if a[1] then
    redis.call('ZADD', P .. 'r:' .. id, a[1], told(a[1], 'active', a[2], a[3]))
  end
end

-- Moves a job between the status indexes of its queue (from = nil: not indexed yet).
local function index(id, q, seq, from, to)
  if from == to then
    return
  end
  if from then
    redis.call('ZREM', P .. 's:' .. from .. ':' .. q, id)
  end
  redis.call('ZADD', P .. 's:' .. to .. ':' .. q, seq, id)
end

-- The live job holding a key: its id and status, or nil.
local function live_key(key)
  if not key or key == '' then
    return nil
  end
  local id = redis.call('HGET', P .. 'keys', key)
  if not id then
    return nil
  end
  local status = redis.call('HGET', jkey(id), 's')
  if LIVE[status] then
    return id, status
  end
  return nil
end

-- Gives an idempotency key up when its job stops being live.
local function drop_key(key, id)
  if key and key ~= '' and redis.call('HGET', P .. 'keys', key) == id then
    redis.call('HDEL', P .. 'keys', key)
  end
end

-- A flow step ended for good without success: its flow fails (defined below, with the flows' helpers).
local flow_step_ended

-- Ends a job for good (succeeded, failed, cancelled): no lease, no key, expires after ttl.
-- f holds the job's fields q, sq, k (by name); extra are more field/value pairs to set,
-- drop (optional) more fields to delete.
local function terminal(id, f, status, now, ttl, extra, drop)
  local jk = jkey(id)
  redis.call('HSET', jk, 's', status, 'f', now, 'x', now + ttl, unpack(extra))
  redis.call('HDEL', jk, 'tk', 'lu', unpack(drop or {}))
  index(id, f.q, f.sq, f.s, status)
  redis.call('ZREM', P .. 'leases', id)
  redis.call('ZADD', P .. 'exp', now + ttl, id)
  drop_key(f.k, id)
  if status ~= 'succeeded' then
    flow_step_ended(id, status, now, ttl)
  end
end

-- The fields of a job by name (nil when there is no job).
local function fields(id, names)
  local values = redis.call('HMGET', jkey(id), unpack(names))
  local f = {}
  for i, name in ipairs(names) do
    f[name] = values[i]
  end
  return f
end

local HELD_FIELDS = { 's', 'tk', 't', 'q', 'n', 'rn', 'sq', 'k', 'lu' }

-- The job's fields if this token holds its lease, else nil.
local function held(id, token)
  local f = fields(id, HELD_FIELDS)
  if f.s ~= 'active' or f.tk ~= token then
    return nil
  end
  f.n = tonumber(f.n)
  f.rn = tonumber(f.rn)
  return f
end

-- Stores a value field, or removes it for '' (NULL).
local function set_or_del(jk, name, value)
  if value == '' then
    redis.call('HDEL', jk, name)
  else
    redis.call('HSET', jk, name, value)
  end
end

-- A held job's attempt ended with an error: failed for good when gen is '',
-- else queued (or delayed until run_at) again with its next ticket (gen, nonce).
local function end_attempt(id, f, now, ttl, err, gen, nonce, delayed, run_at)
  local rn = f.rn + 1
  if gen == '' then
    terminal(id, f, 'failed', now, ttl, { 'e', err, 'rn', rn })
    report(id, f.t, f.q, rn, 'failed', f.n, now, err)
    return
  end
  local status = delayed and 'delayed' or 'queued'
  local jk = jkey(id)
  redis.call('HSET', jk, 's', status, 'r', delayed and run_at or now, 'e', err, 'g', gen, 'nc', nonce, 'rn', rn)
  redis.call('HDEL', jk, 'tk', 'lu')
  redis.call('ZREM', P .. 'leases', id)
  index(id, f.q, f.sq, 'active', status)
  report(id, f.t, f.q, rn, 'retrying', f.n, now, err)
end

-- True when outcome op (a per-call id) was already recorded on the job: the
-- same call resent after a reconnect, answered as done without changing anything.
local function replayed(id, op)
  return op ~= '' and redis.call('HGET', jkey(id), 'op') == op
end

-- Adds a new job, queued (or delayed until run_at), with its `queued` report;
-- returns its status. extra: more field/value pairs to set (or nil).
local function insert_job(id, task, q, args, prio, created, run_at, delayed, key, opts, retries, nonce, now, extra)
  local jk = jkey(id)
  local status = delayed and 'delayed' or 'queued'
  if not delayed then
    run_at = now
  end
  local seq = redis.call('INCR', P .. 'seq')
  redis.call('HSET', jk, 't', task, 'q', q, 's', status, 'p', prio, 'n', 0, 'rt', retries, 'o', opts,
    'r', run_at, 'c', math.min(created, now), 'g', 1, 'nc', nonce, 'rn', 1, 'sq', seq)
  if args ~= '' then
    redis.call('HSET', jk, 'a', args)
  end
  if key ~= '' then
    redis.call('HSET', jk, 'k', key)
    redis.call('HSET', P .. 'keys', key, id)
  end
  if extra then
    redis.call('HSET', jk, unpack(extra))
  end
  redis.call('SADD', P .. 'queues', q)
  index(id, q, seq, nil, status)
  report(id, task, q, 1, 'queued', 0, now)
  return status
end

-- Runs a failed or cancelled job again from attempt 0 with its next ticket
-- (gen, nonce) if its gen is still `gen`; its reports start over, it keeps
-- its key unless a live job took it. Returns true when it did.
local function rerun_job(id, gen, next_gen, nonce, now)
  local f = fields(id, { 's', 't', 'q', 'rn', 'sq', 'k', 'g' })
  if (f.s ~= 'failed' and f.s ~= 'cancelled') or f.g ~= gen then
    return false
  end
  local jk = jkey(id)
  local rn = tonumber(f.rn) + 1
  if f.k then
    if live_key(f.k) then
      redis.call('HDEL', jk, 'k')
    else
      redis.call('HSET', P .. 'keys', f.k, id)
    end
  end
  redis.call('HSET', jk, 's', 'queued', 'n', 0, 'r', now, 'g', next_gen, 'nc', nonce, 'rn', rn)
  redis.call('HDEL', jk, 'b', 'f', 'x', 'wk', 'pr', 'rs', 'e', 'tk', 'lu', 'an')
  redis.call('ZREM', P .. 'exp', id)
  redis.call('DEL', P .. 'r:' .. id, P .. 'pn:' .. id)
  index(id, f.q, f.sq, f.s, 'queued')
  report(id, f.t, f.q, rn, 'queued', 0, now)
  return true
end

local FLOW_FIELDS = { 's', 't', 'q', 'n', 'rn', 'sq', 'k' }

-- Ends a live flow job (status 'succeeded' with its encoded result, 'failed'
-- with its error JSON, 'cancelled'), bumping its version; nothing if it is not live.
local function flow_end(flow_id, status, payload, now, ttl)
  local f = fields(flow_id, FLOW_FIELDS)
  if f.s ~= 'active' then
    return
  end
  local rn = tonumber(f.rn) + 1
  local extra = { 'rn', rn }
  if status == 'succeeded' and payload ~= '' then
    extra = { 'rn', rn, 'rs', payload }
  elseif status == 'failed' then
    extra = { 'rn', rn, 'e', payload }
  end
  redis.call('HINCRBY', jkey(flow_id), 'gv', 1)
  terminal(flow_id, f, status, now, ttl, extra)
  report(flow_id, f.t, f.q, rn, status, tonumber(f.n), now, status == 'failed' and payload or nil)
end

-- The flow's error for a failed (or cancelled) step, as core/flow/flow-driver.ts's stepError.
flow_step_ended = function(id, status, now, ttl)
  local s = redis.call('HMGET', jkey(id), 'fl', 't', 'e')
  if not s[1] or redis.call('HGET', jkey(s[1]), 's') ~= 'active' then
    return
  end
  local e = (status == 'failed' and s[3]) and cjson.decode(s[3]) or nil
  local err = {
    name = e and e.name or 'JobCancelledError',
    message = 'step ' .. s[2] .. ' (job ' .. id .. ') ' .. (e and ('failed: ' .. e.message) or 'was cancelled'),
    code = e and e.code or 'ERR_DROVER_JOB_CANCELLED',
    stack = e and e.stack or nil,
  }
  flow_end(s[1], 'failed', cjson.encode(err), now, ttl)
end

-- Adds a step job of flow_id unless it exists (its id is derived from the
-- flow and step): 13 values from ARGV[i], as insert.lua's 12 and the step index.
local function insert_step(flow_id, i, now)
  if redis.call('EXISTS', jkey(ARGV[i])) == 1 then
    return
  end
  insert_job(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], tonumber(ARGV[i + 5]),
    tonumber(ARGV[i + 6]), ARGV[i + 7] == '1', ARGV[i + 8], ARGV[i + 9], ARGV[i + 10], ARGV[i + 11], now,
    { 'fl', flow_id, 'fx', ARGV[i + 12] })
end
