--[[
  watch: marks a job watched (its later reports are published on the event
  channel) and returns its history, in one step.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  id
  Returns false if the job is unknown; else: created at, report log (the
  stored entries, then those the fields imply, lib.lua), result ('' = none;
  'v'..value otherwise), then the progress entries.
]]
local id = ARGV[2]
local jk = jkey(id)
local f = redis.call('HMGET', jk, 't', 'c', 'h', 'rs', 'w', 's', 'n', 'b', 'f', 'rn', 'am')
if not f[1] then
  return false
end
if not f[5] then
  redis.call('HSET', jk, 'w', 1)
  unplain(jk)
end
local log, rn = settle_active(f[6], f[8], f[7], f[11], f[3], tonumber(f[10]) or 1)
if f[6] == 'succeeded' then
  log = log_append(log, rn + 1, 's', f[7], f[9])
end
local out = { f[2], log or '', f[4] and ('v' .. f[4]) or '' }
local progress = redis.call('LRANGE', P .. 'h:' .. id, 0, -1)
for _, entry in ipairs(progress) do
  out[#out + 1] = entry
end
return out
