// Lua scripts run atomically inside Redis: a check and the write that depends on it cannot interleave
// with another replica's. Lease expiry uses PX and membership uses the server's TIME, so the replicas'
// own clocks never decide who holds what.

/**
 * KEYS: lease, token counter. ARGV: owner, ttl ms. Returns the new fencing token, or 0 when held.
 * Tokens never fall below the server clock in ms: fenced checkpoints outlive a Redis that restarts
 * without persistence, and its new tokens must still out-rank the ones written before.
 */
export const acquireScript = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
local time = redis.call('TIME')
local floor = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if token < floor then
  token = floor
  redis.call('SET', KEYS[2], token)
end
redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
return token
`;

/** KEYS: lease. ARGV: "<token>:<owner>", ttl ms. Returns 1 when this grant still held it and was extended. */
export const renewScript = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** KEYS: lease. ARGV: "<token>:<owner>". Deletes the lease only if this grant still holds it. */
export const releaseScript = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

const serverNow = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

/**
 * KEYS: group (sorted set, score = expiry in server ms). ARGV: member, ttl ms. Drops expired members;
 * the set itself expires once every member has, so abandoned groups do not pile up.
 */
export const heartbeatScript = `${serverNow}
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`;

/** KEYS: group. Returns the members whose heartbeat has not expired (score order, not sorted by name). */
export const membersScript = `${serverNow}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
`;
