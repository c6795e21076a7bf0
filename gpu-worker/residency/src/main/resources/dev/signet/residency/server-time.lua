-- Prepended to the scripts that need the time. Every expiry in the residency layout is on the Redis server's clock,
-- the clock PEXPIRE counts on, so an index entry's score and its worker's key TTL always agree, whatever the skew
-- between the workers' and the gateways' own clocks.
local function server_now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Extends a shared index key's TTL to at least ms, never shortens it: the key then outlives every live member and
-- disappears by itself once all of them have expired, even if no reader ever trims it. PTTL is -1 on a key that
-- ZADD has just created, so a new key always gets its TTL.
local function keep_at_least(key, ms)
  if redis.call('PTTL', key) < ms then
    redis.call('PEXPIRE', key, ms)
  end
end
