--[[
  finlease: finish.lua then lease.lua in one call (one round trip, one
  script): the outcomes a herd's jobs just had, then its next jobs.
  KEYS[1]  {prefix}:m (routing only)
  ARGV[1]  prefix
  ARGV[2]  resultTtl (ms)
  ARGV[3]  finished jobs kept per queue and status
  ARGV[4]  n, the number of outcomes
  then n outcomes of 6 values, as finish.lua takes them
  then max, lease length (ms), worker id, token base and queue names, as lease.lua takes them
  Returns { finish.lua's reply, lease.lua's reply }.
]]
local now = now_ms()
local n = tonumber(ARGV[4])
local recorded = record_outcomes(now, tonumber(ARGV[2]), tonumber(ARGV[3]), 5, n)
local at = 5 + 6 * n
local queues = {}
for i = at + 4, #ARGV do
  queues[#queues + 1] = ARGV[i]
end
local leased = lease_jobs(now, tonumber(ARGV[at]), tonumber(ARGV[at + 1]), ARGV[at + 2], ARGV[at + 3], queues)
flush_counters()
return { recorded, leased }
