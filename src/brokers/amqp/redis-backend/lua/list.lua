--[[
  list: a page of jobs of one status (of one queue), newest first.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  status
  ARGV[3]  queue ('' = every queue)
  ARGV[4]  cursor: only jobs with a smaller seq ('' = from the newest)
  ARGV[5]  how many
  Returns per job 2 values: its id and its fields, flat (as HGETALL).
]]
local key = P .. 's:' .. ARGV[2]
if ARGV[3] ~= '' then
  key = key .. ':' .. ARGV[3]
end
local top = ARGV[4] == '' and '+inf' or ('(' .. ARGV[4])
local ids = redis.call('ZREVRANGEBYSCORE', key, top, '-inf', 'LIMIT', 0, tonumber(ARGV[5]))
local out = {}
for _, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGETALL', jkey(id))
end
return out
