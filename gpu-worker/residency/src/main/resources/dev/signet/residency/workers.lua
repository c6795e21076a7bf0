-- Live workers: {id, worker hash as field/value list, worker-deltas hash as digest/tier list} each.
-- KEYS[1] workers index; ARGV[1] worker hash key prefix, ARGV[2] worker-deltas key prefix
local now = server_now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local live = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%.0f', now), '+inf')) do
  -- The hash is the truth: an index entry outlives it if the key was evicted (maxmemory) or deleted by hand.
  local worker = redis.call('HGETALL', ARGV[1] .. id)
  if #worker > 0 then
    live[#live + 1] = {id, worker, redis.call('HGETALL', ARGV[2] .. id)}
  end
end
return live
