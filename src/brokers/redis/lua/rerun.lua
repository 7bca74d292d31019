--[[
  rerun: re-runs a failed or cancelled job, queued again with a fresh attempt
  count and a fresh report log. If another live job holds its key meanwhile,
  the re-run gives the key up.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  id
  Returns false if not found or not failed/cancelled, 'flow' for a flow job (the
  broker re-runs it); else the job's fields (HGETALL) after.
]]
local id = ARGV[2]
if redis.call('HEXISTS', jkey(id), 'gv') == 1 then
  return 'flow'
end
if not rerun_job(id, now_ms()) then
  return false
end
flush_pushes()
return redis.call('HGETALL', jkey(id))
