-- Removes one worker and every index entry that points at it, atomically.
-- KEYS[1] worker hash, KEYS[2] worker-deltas hash, KEYS[3] workers index; ARGV[1] worker id, ARGV[2] delta index key prefix
local id = ARGV[1]
for _, digest in ipairs(redis.call('HKEYS', KEYS[2])) do
  redis.call('ZREM', ARGV[2] .. digest, id)
end
redis.call('ZREM', KEYS[3], id)
return redis.call('DEL', KEYS[1], KEYS[2])
