-- Replaces one worker's whole report, atomically (a script runs alone, so no reader sees half of it).
-- KEYS[1] worker hash, KEYS[2] worker-deltas hash (digest -> tier), KEYS[3] workers index (zset id -> expiry ms)
-- ARGV[1] ttl ms, ARGV[2] worker id, ARGV[3] delta index key prefix (prefix .. digest = zset id -> expiry ms),
-- ARGV[4] n = number of worker hash arguments, ARGV[5 .. 4+n] worker hash field/value pairs,
-- ARGV[5+n ..] digest/tier pairs of the deltas the worker holds now.
local ttl = tonumber(ARGV[1])
local id = ARGV[2]
local delta_index = ARGV[3]
local n = tonumber(ARGV[4])
local now = server_now_ms()
local expiry = now + ttl

-- The previous report's deltas: those not held any more leave their index below.
local previous = redis.call('HKEYS', KEYS[2])

redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], unpack(ARGV, 5, 4 + n))
redis.call('PEXPIRE', KEYS[1], ttl)

local held = {}
for i = 5 + n, #ARGV, 2 do
  local digest = ARGV[i]
  held[digest] = true
  redis.call('HSET', KEYS[2], digest, ARGV[i + 1])
  redis.call('ZADD', delta_index .. digest, expiry, id)
  keep_at_least(delta_index .. digest, ttl)
end
if next(held) then
  redis.call('PEXPIRE', KEYS[2], ttl)
end
for _, digest in ipairs(previous) do
  if not held[digest] then
    redis.call('ZREM', delta_index .. digest, id)
  end
end

redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now) -- dead workers' entries, so the index stays small
redis.call('ZADD', KEYS[3], expiry, id)
keep_at_least(KEYS[3], ttl)
return expiry
