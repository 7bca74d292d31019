--[[
  claim: claims (or takes over) jobs for delivered tickets.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  lease (ms)
  ARGV[3]  worker id ('' = none)
  ARGV[4]  resultTtl (ms)
  ARGV[5]  slack (ms): a delayed job may be claimed this early
  then per ticket 5 values: id, gen, nonce, the token to hand out,
           the takeover error JSON ('' unless RabbitMQ redelivered the ticket)
  Returns { per ticket 8 values: outcome ('claimed' | 'gated' | 'stale' | 'future' | 'held'),
  task, queue, args, attempt, options JSON, lease expiry, and the number of the
  `active` report recorded now ('' for a claim resent, answered again) ('' unless
  claimed) ; notes ; now }; for 'held' the second value is the wait in ms ('' = none
  known). 'gated' is 'claimed' on a queue with settings or a limit (such a job is
  not leased ahead). The `active` report of a claim is not a note: the worker makes it from
  the answer (task, queue, attempt, n) and now, fewer values to parse.
  Takeover reports (`retrying`, `failed`) are notes, before it.
  A queued or due job passes the flow gate (lib.lua, admit): held, it stays
  (or becomes) queued and the ticket waits. A ticket is future while the change it announces has not committed (no
  job, or an older gen); stale when it no longer names the job's ticket.
  A claim resent after a reconnect (the job holds its token) is answered
  again. The ticket holding an active job takes it over only when redelivered (its
  holder's channel died): an attempt spent, `retrying` (or `failed` once the
  attempts are spent, and the ticket is stale).
]]
local now = now_ms()
local lease_ms, worker, ttl, slack = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local NAMES = { 't', 'q', 'a', 's', 'n', 'rt', 'o', 'r', 'g', 'nc', 'rn', 'sq', 'k', 'tk', 'lu', 'an', 'b' }
local out = {}
local function answer(kind, f, attempt, lease_end, wait, rn)
  out[#out + 1] = kind
  if kind == 'claimed' or kind == 'gated' then
    out[#out + 1] = f.t
    out[#out + 1] = f.q
    out[#out + 1] = f.a or ''
    out[#out + 1] = attempt
    out[#out + 1] = f.o
    out[#out + 1] = lease_end
    out[#out + 1] = rn or ''
  else
    out[#out + 1] = wait or ''
    for _ = 1, 6 do
      out[#out + 1] = ''
    end
  end
end
for i = 6, #ARGV, 5 do
  local id, gen, nonce, token, takeover = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local f = fields(id, NAMES)
  local g = tonumber(f.g)
  if not f.s or gen > g then
    answer('future')
  elseif gen < g or nonce ~= f.nc then
    answer('stale')
  else
    local rn, attempt, retries = tonumber(f.rn), tonumber(f.n), tonumber(f.rt)
    local go = true
    if f.s == 'active' and f.tk == token then
      -- This claim resent after a reconnect: it committed, answer it again.
      go = false
      answer('claimed', f, attempt, f.lu)
    elseif f.s == 'active' then
      if takeover == '' then
        go = false
        answer('stale')
      else
        rn = rn + 1
        if attempt > retries then
          report(id, f.t, f.q, rn, 'failed', attempt, now, takeover)
          terminal(id, f, 'failed', now, ttl, { 'e', takeover, 'rn', rn })
          go = false
          answer('stale')
        else
          report(id, f.t, f.q, rn, 'retrying', attempt, now, takeover)
        end
      end
    elseif f.s == 'delayed' then
      if tonumber(f.r) > now + slack then
        go = false
        answer('future')
      end
    elseif f.s ~= 'queued' then
      go = false
      answer('stale')
    end
    if go and f.s ~= 'active' then
      local wait = admit(f.q, f.o, now, token)
      if wait then
        go = false
        if f.s == 'delayed' then
          redis.call('HSET', jkey(id), 's', 'queued')
          index(id, f.q, f.sq, 'delayed', 'queued')
        end
        answer('held', nil, nil, nil, wait)
      end
    end
    if go then
      local jk = jkey(id)
      local lease_end = now + lease_ms
      rn = rn + 1
      -- The `active` report of this attempt is the hash's (lib.lua); the last attempt's becomes a member.
      if f.an then
        redis.call('ZADD', P .. 'r:' .. id, f.an, told(f.an, 'active', f.n, f.b))
      end
      if worker == '' then
        redis.call('HSET', jk, 's', 'active', 'n', attempt + 1, 'tk', token, 'lu', lease_end, 'b', now, 'rn', rn, 'an', rn)
        redis.call('HDEL', jk, 'wk')
      else
        redis.call('HSET', jk, 's', 'active', 'n', attempt + 1, 'tk', token, 'lu', lease_end, 'b', now, 'rn', rn, 'an', rn,
          'wk', worker)
      end
      index(id, f.q, f.sq, f.s, 'active')
      redis.call('ZADD', P .. 'leases', lease_end, id)
      answer(gate_of(f.q) and 'gated' or 'claimed', f, attempt + 1, lease_end, nil, rn)
    end
  end
end
return { out, notes, now }
