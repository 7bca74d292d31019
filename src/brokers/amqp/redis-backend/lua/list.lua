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
local status, queue, limit = ARGV[2], ARGV[3], tonumber(ARGV[5])
local top = ARGV[4] == '' and '+inf' or ('(' .. ARGV[4])
local ids
if queue ~= '' then
  ids = redis.call('ZREVRANGEBYSCORE', P .. 's:' .. status .. ':' .. queue, top, '-inf', 'LIMIT', 0, limit)
else
  -- Every queue's page, merged newest first (there is no index of a status across queues).
  local found = {}
  for _, q in ipairs(redis.call('SMEMBERS', P .. 'queues')) do
    local page = redis.call('ZREVRANGEBYSCORE', P .. 's:' .. status .. ':' .. q, top, '-inf', 'WITHSCORES', 'LIMIT', 0,
      limit)
    for i = 1, #page, 2 do
      found[#found + 1] = { page[i], tonumber(page[i + 1]) }
    end
  end
  table.sort(found, function(a, b)
    return a[2] > b[2]
  end)
  ids = {}
  for i = 1, math.min(limit, #found) do
    ids[i] = found[i][1]
  end
end
local out = {}
for _, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGETALL', jkey(id))
end
return out
