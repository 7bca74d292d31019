--[[
  lease: leases up to `max` ready jobs, highest priority first, FIFO within a
  priority (ties across queues go in the order the queues are given).
  Due delayed jobs are promoted first.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  max
  ARGV[3]  lease length (ms)
  ARGV[4]  worker id ('' = none)
  ARGV[5]  token base (random; each lease's token is base..i)
  ARGV[6..] queue names
  Queues with settings or a limit are gated (lib.lua, "Flow control"): a
  paused or limited queue gives nothing, a rate-limited one at most what its
  window has left, and a job of a full group is passed over (it stays where
  it is; the jobs behind it are taken, looking up to GROUP_SCAN deep).
  Returns the broker time, the time a held queue may lease again (-1 = none
  time-bound), 1 if plain FIFO order alone decided (no queue gated, no
  priorities waiting; else 0), then per job 8 values: id, token, task, queue, args, attempt,
  options ref, report number of its `active` report.
]]
local queues = {}
for i = 6, #ARGV do
  queues[#queues + 1] = ARGV[i]
end
local out = lease_jobs(now_ms(), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5], queues)
flush_counters()
return out
