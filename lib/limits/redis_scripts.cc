#include "limits/redis_scripts.h"

namespace toolorch::limits {
namespace {

// Shared head: time, formatting, argument access.
const char *kHead = R"LUA(
if redis.replicate_commands then pcall(redis.replicate_commands) end
local op, id = ARGV[1], ARGV[3]
local now
if ARGV[2] ~= '' then
  now = tonumber(ARGV[2])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local EPS = 1e-9
local function fmt(x) return string.format('%.17g', x) end
local n = (#ARGV - 3) / 4
local function arg(i, j) return ARGV[3 + (i - 1) * 4 + j] end
)LUA";

// Shared tail: the ops, in terms of load/avail/take/refund/reduce.
const char *kTail = R"LUA(
local L = {}
for i = 1, n do L[i] = load_limiter(i) end
if op == 'acquire' then
  local at = now
  for i = 1, n do
    local a = avail(L[i])
    if a == nil then return {'-1', '0', fmt(now)} end
    if a > at then at = a end
  end
  if at > now then return {'0', fmt(at - now), fmt(now)} end
  for i = 1, n do take(L[i]) end
elseif op == 'force' then
  for i = 1, n do take(L[i]) end
elseif op == 'refund' then
  for i = 1, n do refund(L[i]) end
elseif op == 'reduce' then
  for i = 1, n do reduce(L[i]) end
else
  return redis.error_reply('toolorch: unknown op')
end
return {'1', '0', fmt(now)}
)LUA";

// Token bucket: hash {t = tokens, l = last refill step}; see token_bucket.cc.
const char *kTokenBucket = R"LUA(
local function load_limiter(i)
  local s = {key = KEYS[i], cap = tonumber(arg(i, 1)), amount = tonumber(arg(i, 2)),
             interval = tonumber(arg(i, 3)), cost = tonumber(arg(i, 4))}
  local h = redis.call('HMGET', s.key, 't', 'l')
  if not h[1] then
    s.tokens, s.last = s.cap, now
    return s
  end
  s.tokens, s.last = tonumber(h[1]), tonumber(h[2])
  if now > s.last then
    local steps = math.floor((now - s.last) / s.interval)
    if steps * s.interval > now - s.last then steps = steps - 1 end
    if steps > 0 then
      s.tokens = math.min(s.cap, s.tokens + steps * s.amount)
      s.last = s.last + steps * s.interval
    end
  end
  if s.tokens >= s.cap then s.last = now end
  return s
end
local function save(s)
  redis.call('HSET', s.key, 't', fmt(s.tokens), 'l', fmt(s.last))
  -- Kept until the bucket is full again: from empty, or from the debt a
  -- 'force' (token correction) left, which must not vanish with the key.
  local missing = math.max(s.cap, s.cap - s.tokens)
  local ttl = math.ceil((missing / s.amount + 1) * s.interval / 1000) + 1000
  redis.call('PEXPIRE', s.key, ttl)
end
local function avail(s)
  if s.cost > s.cap + EPS then return nil end
  if s.tokens + EPS >= s.cost then return now end
  return s.last + math.ceil((s.cost - s.tokens) / s.amount) * s.interval
end
local function take(s)
  s.tokens = s.tokens - s.cost
  save(s)
end
local function refund(s)
  s.tokens = math.min(s.cap, s.tokens + s.cost)
  if s.tokens >= s.cap then s.last = now end
  save(s)
end
local reduce = refund
)LUA";

// GCRA: string = theoretical arrival time; see gcra.cc.
const char *kGcra = R"LUA(
local function load_limiter(i)
  local s = {key = KEYS[i], T = tonumber(arg(i, 1)), burst = tonumber(arg(i, 2)), cost = tonumber(arg(i, 4))}
  s.tat = tonumber(redis.call('GET', s.key)) or now
  if s.tat < now then s.tat = now end
  return s
end
local function save(s)
  redis.call('SET', s.key, fmt(s.tat), 'PX', math.ceil((s.tat - now) / 1000) + 1000)
end
local function avail(s)
  if s.cost > s.burst + EPS then return nil end
  local allow_at = (s.tat + s.cost * s.T) - s.burst * s.T
  if allow_at <= now then return now end
  return math.ceil(allow_at)
end
local function take(s)
  s.tat = s.tat + s.cost * s.T
  save(s)
end
local function refund(s)
  s.tat = math.max(now, s.tat - s.cost * s.T)
  save(s)
end
local reduce = refund
)LUA";

// Sliding log: zset of "cost:grant-id" scored by grant time, plus a key
// with the running sum of the costs still in the window; see
// sliding_window.cc.
const char *kSlidingWindow = R"LUA(
local function member_cost(m) return tonumber(string.match(m, '^([^:]+):')) end
local function load_limiter(i)
  local s = {z = KEYS[2 * i - 1], sum_key = KEYS[2 * i], limit = tonumber(arg(i, 1)),
             window = tonumber(arg(i, 2)), cost = tonumber(arg(i, 4)), cost_text = arg(i, 4)}
  local edge = fmt(now - s.window)
  local sum = tonumber(redis.call('GET', s.sum_key)) or 0
  local old = redis.call('ZRANGEBYSCORE', s.z, '-inf', edge)
  local function save_sum()
    local ttl = math.ceil(s.window / 1000) + 1000
    redis.call('SET', s.sum_key, fmt(s.sum), 'PX', ttl)
    redis.call('PEXPIRE', s.z, ttl)
  end
  s.save = save_sum
  if #old > 0 then
    for _, m in ipairs(old) do sum = sum - member_cost(m) end
    redis.call('ZREMRANGEBYSCORE', s.z, '-inf', edge)
  end
  if redis.call('ZCARD', s.z) == 0 then sum = 0 end
  s.sum = sum
  -- The trim is written at once: the next call must not subtract again.
  if #old > 0 then save_sum() end
  return s
end
local function save(s) s.save() end
local function avail(s)
  if s.cost > s.limit + EPS then return nil end
  if s.sum + s.cost <= s.limit + EPS then return now end
  local freed, from = 0, 0
  while true do
    local page = redis.call('ZRANGE', s.z, from, from + 99, 'WITHSCORES')
    if #page == 0 then return nil end
    for j = 1, #page, 2 do
      freed = freed + member_cost(page[j])
      if s.sum - freed + s.cost <= s.limit + EPS then return tonumber(page[j + 1]) + s.window end
    end
    from = from + 100
  end
end
local function take(s)
  if s.cost <= 0 then return end
  redis.call('ZADD', s.z, fmt(now), s.cost_text .. ':' .. id)
  s.sum = s.sum + s.cost
  save(s)
end
local function refund(s)
  if s.cost <= 0 then return end
  if redis.call('ZREM', s.z, s.cost_text .. ':' .. id) == 1 then
    s.sum = s.sum - s.cost
    if redis.call('ZCARD', s.z) == 0 then s.sum = 0 end
    save(s)
  end
end
local function reduce(s)
  local left = s.cost
  while left > 0 do
    local first = redis.call('ZRANGE', s.z, 0, 0, 'WITHSCORES')
    if #first == 0 then break end
    local m, score = first[1], first[2]
    local c = member_cost(m)
    local cut = math.min(left, c)
    redis.call('ZREM', s.z, m)
    if c - cut > EPS then
      redis.call('ZADD', s.z, score, fmt(c - cut) .. string.match(m, '^[^:]+(:.*)$'))
    end
    s.sum = s.sum - cut
    left = left - cut
  end
  if redis.call('ZCARD', s.z) == 0 then s.sum = 0 end
  save(s)
end
)LUA";

std::string make(const char *body) { return std::string(kHead) + body + kTail; }

}  // namespace

const std::string &script_text(Algorithm a) {
  static const std::string sliding = make(kSlidingWindow);
  static const std::string bucket = make(kTokenBucket);
  static const std::string gcra = make(kGcra);
  switch (a) {
    case Algorithm::kTokenBucket: return bucket;
    case Algorithm::kGcra: return gcra;
    case Algorithm::kSlidingWindow: break;
  }
  return sliding;
}

int keys_per_limiter(Algorithm a) { return a == Algorithm::kSlidingWindow ? 2 : 1; }

}  // namespace toolorch::limits
