"""The Lua scripts of `RedisLiveState`: each runs in Redis as one step, which
is what makes a read-then-write safe when several nodes do it at once.

Times are integer microseconds since the epoch (exact as a sorted-set
score up to the year 2255). Lua `false` comes back to Python as None.
"""
from __future__ import annotations

# KEYS: agent hash. ARGV: status, now, the "available" status.
# A new agent is idle from now; one coming available again restarts it.
SET_STATUS = """
local previous = redis.call('HGET', KEYS[1], 'status')
if not previous or (ARGV[1] == ARGV[3] and previous ~= ARGV[3]) then
  redis.call('HSET', KEYS[1], 'idle_since', ARGV[2])
end
redis.call('HSET', KEYS[1], 'status', ARGV[1])
"""

# KEYS: agent hash, agent's chats set. ARGV: chat id, capacity, now.
CLAIM_SLOT = """
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], 'idle_since', ARGV[3])
return 1
"""

# KEYS: the key's sorted set. ARGV: now - window, now, limit, a unique
# member, window in ms. The key lives at least a window past its last event.
HIT_RATE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
end
return 1
"""

# KEYS: deadlines sorted set. ARGV: now. Taken and removed in one step, so
# each deadline fires on exactly one node however many poll.
POP_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if #due > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
end
return due
"""

# KEYS: nodes set, the node's heartbeat key, its connections set. ARGV: node.
# Only the caller whose SREM removes the node gets its connections.
TAKE_DEAD_NODE = """
if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('SREM', KEYS[1], ARGV[1]) == 0 then
  return false
end
local conns = redis.call('SMEMBERS', KEYS[3])
redis.call('DEL', KEYS[3])
return conns
"""
