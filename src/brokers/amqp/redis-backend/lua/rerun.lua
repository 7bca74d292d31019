--[[
  rerun: a failed or cancelled job runs again from attempt 0 with its next
  ticket; its reports start over. It keeps its key unless a live job took it.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  id
  ARGV[3]  the job's gen now (the call does nothing if it moved on)
  ARGV[4]  next gen
  ARGV[5]  next ticket nonce
  Returns { the job's fields (flat, as HGETALL) or an empty list ; notes }.
]]
local now = now_ms()
local id, gen = ARGV[2], ARGV[3]
if not rerun_job(id, gen, ARGV[4], ARGV[5], now) then
  return { {}, notes }
end
return { redis.call('HGETALL', jkey(id)), notes }
