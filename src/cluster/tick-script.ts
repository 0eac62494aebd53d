/**
 * The one Lua script a cluster process runs against Redis: a "tick" that, in one atomic round
 * trip, records the process's heartbeat, returns the leases of dead processes to the frontier,
 * frees slot units of finished downloads, queues new requests (deduplicated by the shared seen
 * set), forgets completed requests, applies slot pauses and delay floors, records start progress,
 * and claims up to N requests whose slots have room cluster-wide. Key layout: ./keys.ts.
 *
 * Time is Redis's own clock (TIME), so processes on machines with skewed clocks agree on delays
 * and lease ages; processes send durations, never timestamps.
 *
 * A tick is idempotent by sequence number: the reply of the last tick of each process is kept, so
 * a tick re-sent after a lost reply (a connection drop, a Redis restart) is answered from it and
 * not applied twice. The reply is one JSON string.
 *
 * ARGV: prefix, proc, seq, leaseMs, claimMax, wantStart, startPulled ('' = unchanged), startDone,
 * leaving, pstats ('' = unchanged), then counted lists:
 *   releases: n, id...            (the download finished: the slot unit goes back)
 *   adds: n, (fp, slot, cfg, priority, delayMs, data, dontFilter)...
 *   completes: n, id...           (outputs recorded: the request is forgotten)
 *   pauses: n, (slot, ms)...      (nothing leaves the slot for ms: Retry-After)
 *   floors: n, (slot, cfg)...     (raise the slot's interval: robots.txt Crawl-delay)
 * `cfg` is "limit\ninterval ms".
 *
 * A process whose claim found nothing is recorded as starved; the next tick anywhere that queues
 * requests, frees units or leaves nothing pending publishes on the crawl's `wake` channel, so
 * starved processes claim (or see that the crawl is over) at once instead of waiting for their
 * poll.
 */
export const TICK_SCRIPT = String.raw`
local P = ARGV[1]
local proc = ARGV[2]
local seq = ARGV[3]
local K_tick = P .. 'tick'
local K_reply = P .. 'reply'
if redis.call('HGET', K_tick, proc) == seq then
  return redis.call('HGET', K_reply, proc)
end
local K_meta, K_seen, K_req, K_rslot = P .. 'meta', P .. 'seen', P .. 'req', P .. 'rslot'
local K_ready, K_active, K_cfg, K_next = P .. 'ready', P .. 'active', P .. 'cfg', P .. 'next'
local K_procs, K_pending, K_delayed, K_stats, K_seq = P .. 'procs', P .. 'pending', P .. 'delayed', P .. 'stats', P .. 'seq'
local K_lease = P .. 'lease:' .. proc
local K_starved = P .. 'starved'

if redis.call('EXISTS', K_meta) == 0 then
  return cjson.encode({ lost = 1 })
end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local leaseMs = tonumber(ARGV[4])
local claimMax = tonumber(ARGV[5])

local function cfg(slot)
  local c = redis.call('HGET', K_cfg, slot)
  if not c then return 1, 0 end
  local nl = string.find(c, '\n', 1, true)
  return tonumber(string.sub(c, 1, nl - 1)), tonumber(string.sub(c, nl + 1))
end

-- A slot is in 'ready' exactly when it has a queued request and a free unit; its score is the
-- earliest time its next request may leave.
local function refresh(slot)
  if redis.call('ZCARD', P .. 'q:' .. slot) == 0 then
    redis.call('ZREM', K_ready, slot)
    return
  end
  local limit = cfg(slot)
  local active = tonumber(redis.call('HGET', K_active, slot) or '0')
  if active >= limit then
    redis.call('ZREM', K_ready, slot)
    return
  end
  redis.call('ZADD', K_ready, tonumber(redis.call('HGET', K_next, slot) or '0'), slot)
end

local function requeue(id)
  local rs = redis.call('HGET', K_rslot, id)
  if not rs then return end
  local nl = string.find(rs, '\n', 1, true)
  local slot = string.sub(rs, 1, nl - 1)
  redis.call('ZADD', P .. 'q:' .. slot, tonumber(string.sub(rs, nl + 1)), id)
  refresh(slot)
end

local freed = 0
local function unit_back(slot)
  freed = freed + 1
  local left = redis.call('HINCRBY', K_active, slot, -1)
  if left <= 0 then redis.call('HDEL', K_active, slot) end
  refresh(slot)
end

-- Heartbeat; a process missing from 'procs' after it joined was presumed dead and reaped.
local was_alive = redis.call('ZSCORE', K_procs, proc) and 1 or 0
redis.call('ZADD', K_procs, now, proc)

-- Reap processes silent for longer than the lease: their requests go back, their units free.
local reaped = 0
local dead = redis.call('ZRANGEBYSCORE', K_procs, '-inf', '(' .. (now - leaseMs), 'LIMIT', 0, 16)
for _, d in ipairs(dead) do
  local lk = P .. 'lease:' .. d
  local held = redis.call('HGETALL', lk)
  for i = 1, #held, 2 do
    if held[i + 1] ~= '' then unit_back(held[i + 1]) end
    requeue(held[i])
    reaped = reaped + 1
  end
  redis.call('DEL', lk)
  redis.call('ZREM', K_procs, d)
  redis.call('SREM', K_starved, d)
  redis.call('HDEL', K_tick, d)
  redis.call('HDEL', K_reply, d)
  if redis.call('HGET', K_meta, 'starter') == d then redis.call('HDEL', K_meta, 'starter') end
end
if reaped > 0 then redis.call('HINCRBY', K_stats, 'reaped', reaped) end

local i = 11
local function take_count()
  local n = tonumber(ARGV[i])
  i = i + 1
  return n
end

-- Releases: a download finished, its slot unit goes back (the lease stays until completed).
local n = take_count()
for _ = 1, n do
  local id = ARGV[i]
  i = i + 1
  local slot = redis.call('HGET', K_lease, id)
  if slot and slot ~= '' then
    redis.call('HSET', K_lease, id, '')
    unit_back(slot)
  end
end

-- Adds: new requests, deduplicated by fingerprint (dontFilter ones are recorded and queued anyway).
local added, dups = 0, 0
n = take_count()
for _ = 1, n do
  local fp, slot, c, prio, delay, data, dont = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), ARGV[i + 5], ARGV[i + 6]
  i = i + 7
  if redis.call('SADD', K_seen, fp) == 1 or dont == '1' then
    local id = redis.call('INCR', K_seq)
    local score = -prio * 4294967296 + id
    redis.call('HSET', K_req, id, data)
    redis.call('HSET', K_rslot, id, slot .. '\n' .. score)
    redis.call('HSETNX', K_cfg, slot, c)
    redis.call('INCR', K_pending)
    if delay > 0 then
      redis.call('ZADD', K_delayed, now + delay, id)
    else
      redis.call('ZADD', P .. 'q:' .. slot, score, id)
      refresh(slot)
    end
    added = added + 1
  else
    dups = dups + 1
  end
end

-- Completes: the request's outputs are recorded and its items flushed: forget it.
local completed = 0
n = take_count()
for _ = 1, n do
  local id = ARGV[i]
  i = i + 1
  local slot = redis.call('HGET', K_lease, id)
  if slot then
    redis.call('HDEL', K_lease, id)
    if slot ~= '' then unit_back(slot) end
    redis.call('HDEL', K_req, id)
    redis.call('HDEL', K_rslot, id)
    redis.call('DECR', K_pending)
    completed = completed + 1
  end
end

-- Pauses (Retry-After) and delay floors (Crawl-delay).
n = take_count()
for _ = 1, n do
  local slot, ms = ARGV[i], tonumber(ARGV[i + 1])
  i = i + 2
  local until_ = now + ms
  if tonumber(redis.call('HGET', K_next, slot) or '0') < until_ then redis.call('HSET', K_next, slot, until_) end
  refresh(slot)
end
n = take_count()
for _ = 1, n do
  local slot, c = ARGV[i], ARGV[i + 1]
  i = i + 2
  local nl = string.find(c, '\n', 1, true)
  local _, interval = cfg(slot)
  local floor = tonumber(string.sub(c, nl + 1))
  if redis.call('HEXISTS', K_cfg, slot) == 0 or floor > interval then redis.call('HSET', K_cfg, slot, c) end
  refresh(slot)
end

-- Start progress, saved with the start requests it yielded; and who runs start().
if ARGV[7] ~= '' then redis.call('HSET', K_meta, 'startPulled', ARGV[7]) end
if ARGV[8] == '1' then
  redis.call('HSET', K_meta, 'startDone', '1')
  redis.call('HDEL', K_meta, 'starter')
end
local start_done = redis.call('HGET', K_meta, 'startDone') == '1' and 1 or 0
local starter = redis.call('HGET', K_meta, 'starter')
if start_done == 0 and not starter and ARGV[6] == '1' and ARGV[9] ~= '1' then
  redis.call('HSET', K_meta, 'starter', proc)
  starter = proc
end

-- Delayed requests (retries with a not-before time) that are due go to their slots.
local due = redis.call('ZRANGEBYSCORE', K_delayed, '-inf', now, 'LIMIT', 0, 1000)
for _, id in ipairs(due) do
  redis.call('ZREM', K_delayed, id)
  requeue(id)
end

if ARGV[10] ~= '' then redis.call('HSET', P .. 'pstats', proc, ARGV[10]) end

-- Leaving: whatever this process still holds goes back to the frontier.
local claimed = {}
local starved_here = false
if ARGV[9] == '1' then
  local held = redis.call('HGETALL', K_lease)
  for j = 1, #held, 2 do
    if held[j + 1] ~= '' then unit_back(held[j + 1]) end
    requeue(held[j])
  end
  redis.call('DEL', K_lease)
  redis.call('ZREM', K_procs, proc)
  redis.call('SREM', K_starved, proc)
  redis.call('HDEL', K_tick, proc)
  redis.call('HDEL', K_reply, proc)
  if starter == proc then redis.call('HDEL', K_meta, 'starter') end
else
  -- Claim: one request per ready slot per pass, slots ready longest first, until claimMax.
  local got = 0
  while got < claimMax do
    local slots = redis.call('ZRANGEBYSCORE', K_ready, '-inf', now, 'LIMIT', 0, claimMax - got)
    if #slots == 0 then break end
    for _, slot in ipairs(slots) do
      local popped = redis.call('ZPOPMIN', P .. 'q:' .. slot)
      if popped[1] then
        local id = popped[1]
        redis.call('HSET', K_lease, id, slot)
        redis.call('HINCRBY', K_active, slot, 1)
        local _, interval = cfg(slot)
        if interval > 0 then redis.call('HSET', K_next, slot, now + interval) end
        claimed[#claimed + 1] = id
        claimed[#claimed + 1] = redis.call('HGET', K_req, id) or ''
        got = got + 1
      end
      refresh(slot)
    end
  end
  if got > 0 then redis.call('HINCRBY', K_stats, 'claimed', got) end
  -- Starved processes (room, nothing to claim) wait on the 'wake' channel instead of polling.
  if claimMax > 0 and got == 0 then
    starved_here = true
    redis.call('SADD', K_starved, proc)
  else
    redis.call('SREM', K_starved, proc)
  end
end
-- Wakes the others only: a process ignores its own message, so it stays starved (still waiting
-- for a unit its own adds could not get) and must stay in the set for the next wake. A tick
-- that leaves nothing pending (the last completion, or start finishing with nothing queued)
-- wakes them too: the crawl may be over, and a starved process would learn it at its poll.
local pending = tonumber(redis.call('GET', K_pending) or '0')
local ended = (completed > 0 or ARGV[8] == '1') and pending == 0
local others = redis.call('SCARD', K_starved) - (starved_here and 1 or 0)
if (added > 0 or freed > 0 or reaped > 0 or ended) and others > 0 then
  redis.call('DEL', K_starved)
  if starved_here then redis.call('SADD', K_starved, proc) end
  redis.call('PUBLISH', P .. 'wake', proc)
end
if completed > 0 then redis.call('HINCRBY', K_stats, 'completed', completed) end
if dups > 0 then redis.call('HINCRBY', K_stats, 'duplicates', dups) end

local reply = cjson.encode({
  alive = was_alive,
  starter = starter == proc and 1 or 0,
  startDone = start_done,
  pending = pending,
  added = added,
  dups = dups,
  completed = completed,
  reaped = reaped,
  pulled = tonumber(redis.call('HGET', K_meta, 'startPulled') or '0'),
  claimed = claimed,
})
if ARGV[9] ~= '1' then
  redis.call('HSET', K_tick, proc, seq)
  redis.call('HSET', K_reply, proc, reply)
end
return reply
`;
