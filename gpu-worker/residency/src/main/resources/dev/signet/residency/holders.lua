-- Live holders of one delta: {id, worker hash as field/value list, tier} each, in no particular order.
-- KEYS[1] the delta's index; ARGV[1] digest, ARGV[2] worker hash key prefix, ARGV[3] worker-deltas key prefix
local now = server_now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local holders = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%.0f', now), '+inf')) do
  -- The tier comes from the worker's own deltas hash, and the worker hash must still exist: the index is only a
  -- pointer, the worker's keys are the truth (they may have been evicted or deleted before the entry's score passed).
  local tier = redis.call('HGET', ARGV[3] .. id, ARGV[1])
  if tier then
    local worker = redis.call('HGETALL', ARGV[2] .. id)
    if #worker > 0 then
      holders[#holders + 1] = {id, worker, tier}
    end
  end
end
return holders
