--[[
  insert: adds jobs whose tickets RabbitMQ has already confirmed.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  then per job 12 values: id, task, queue, args ('' = none), priority,
           created at, run at, delayed ('1' or ''), key ('' = none),
           options JSON, retries, ticket nonce
  Returns { per job: id, status, duplicate (1/0) ; notes }. A job with a key
  a live job holds gives that job back as a duplicate. An id stored with
  another ticket fails the whole call before anything is written; with the
  same ticket it is this insert resent (after a reconnect): its state is answered.
]]
local now = now_ms()
local STEP = 12
local seen = {}
for i = 2, #ARGV, STEP do
  local id, nonce = ARGV[i], ARGV[i + 11]
  local stored = redis.call('HGET', jkey(id), 'nc')
  if (stored and stored ~= nonce) or (seen[id] and seen[id] ~= nonce) then
    return redis.error_reply('job id ' .. id .. ' exists already')
  end
  seen[id] = nonce
end
local out = {}
for i = 2, #ARGV, STEP do
  local id, task, q, args, prio = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local created, run_at, delayed, key = tonumber(ARGV[i + 5]), tonumber(ARGV[i + 6]), ARGV[i + 7] == '1', ARGV[i + 8]
  local opts, retries, nonce = ARGV[i + 9], ARGV[i + 10], ARGV[i + 11]
  local jk = jkey(id)
  local holder, holder_status = live_key(key)
  local existing = redis.call('HGET', jk, 's')
  if existing then
    out[#out + 1] = id
    out[#out + 1] = existing
    out[#out + 1] = 0
  elseif holder then
    out[#out + 1] = holder
    out[#out + 1] = holder_status
    out[#out + 1] = 1
  else
    local status = insert_job(id, task, q, args, prio, created, run_at, delayed, key, opts, retries, nonce, now, nil)
    out[#out + 1] = id
    out[#out + 1] = status
    out[#out + 1] = 0
  end
end
return { out, notes }
