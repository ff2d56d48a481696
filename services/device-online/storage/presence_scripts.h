#pragma once

// Lua scripts of the Redis presence store. Every state change and its outbox entry are written
// in one script, so they are atomic across replicas. Keys derive from a prefix P:
//   P:d:{id}   hash: s (1 online / 0 offline), ls (last seen, ms), sc (state changed, ms),
//              sz (the score last written to P:seen), cpu, mem, temp, fw, sig (board parameters)
//   P:seen     zset of ONLINE devices by last seen (ms), a coarse index the sweeper scans: a
//              device's score is rewritten only when its last seen moved by `resolution` ms
//              (re-scoring a large skiplist on every heartbeat was ~30% of Redis' time), so a
//              score may lag ls; the sweeper re-checks ls before marking anyone offline.
//   P:on P:off P:all  zsets (score 0) of device ids, for lexicographic paging
//   P:outbox   stream of transitions (d, s, t, ls, c), consumer group "relay"
//   P:wm       hash: uplink partition -> consumed-up-to time (ms)
namespace fleet::online::scripts {

// ARGV: prefix, now_ms, resolution_ms, then 7 per device: id, seen_ms, cpu, mem, temp, fw, sig
// ('' = absent). Returns the number of devices that came online.
inline constexpr char kTouch[] = R"lua(
local p = ARGV[1]
local now = ARGV[2]
local resolution = tonumber(ARGV[3])
local names = {'cpu', 'mem', 'temp', 'fw', 'sig'}
local came_online = 0
for i = 4, #ARGV, 7 do
  local id = ARGV[i]
  local seen = ARGV[i + 1]
  local key = p .. ':d:' .. id
  local cur = redis.call('HMGET', key, 's', 'ls', 'sz')
  local last = cur[2]
  local rescore = cur[1] ~= '1' or cur[3] == false
  if last == false or tonumber(seen) > tonumber(last) then
    last = seen
    if not rescore and tonumber(seen) - tonumber(cur[3]) >= resolution then rescore = true end
    local f = {'ls', seen}
    for j = 1, 5 do
      local v = ARGV[i + 1 + j]
      if v ~= '' then
        f[#f + 1] = names[j]
        f[#f + 1] = v
      end
    end
    redis.call('HSET', key, unpack(f))
  end
  if cur[1] ~= '1' then
    redis.call('HSET', key, 's', '1', 'sc', now)
    redis.call('ZREM', p .. ':off', id)
    redis.call('ZADD', p .. ':on', 0, id)
    redis.call('ZADD', p .. ':all', 0, id)
    redis.call('XADD', p .. ':outbox', '*', 'd', id, 's', '1', 't', now, 'ls', last, 'c', 'uplink')
    came_online = came_online + 1
  end
  if rescore then
    redis.call('ZADD', p .. ':seen', 'GT', last, id)
    redis.call('HSET', key, 'sz', last)
  end
end
return came_online
)lua";

// ARGV: prefix, cutoff_ms, now_ms, limit. Marks offline the online devices last seen before
// cutoff, oldest first. Candidates come from P:seen; one whose real last seen (ls) is recent
// only gets its score corrected. Returns {went offline, rescored}: the caller loops while either
// is non-zero.
inline constexpr char kSweep[] = R"lua(
local p = ARGV[1]
local cutoff = tonumber(ARGV[2])
local now = ARGV[3]
local ids = redis.call('ZRANGEBYSCORE', p .. ':seen', '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))
local offline = 0
local rescored = 0
for _, id in ipairs(ids) do
  local key = p .. ':d:' .. id
  local ls = redis.call('HGET', key, 'ls')
  if ls ~= false and tonumber(ls) >= cutoff then
    redis.call('ZADD', p .. ':seen', ls, id)
    redis.call('HSET', key, 'sz', ls)
    rescored = rescored + 1
  else
    if ls == false then ls = redis.call('ZSCORE', p .. ':seen', id) end
    redis.call('HSET', key, 's', '0', 'sc', now)
    redis.call('ZREM', p .. ':seen', id)
    redis.call('ZREM', p .. ':on', id)
    redis.call('ZADD', p .. ':off', 0, id)
    redis.call('XADD', p .. ':outbox', '*', 'd', id, 's', '0', 't', now, 'ls', ls, 'c', 'timeout')
    offline = offline + 1
  end
end
return {offline, rescored}
)lua";

}  // namespace fleet::online::scripts
