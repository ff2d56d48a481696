#pragma once

// Lua scripts of the Redis presence store. Every state change and its outbox entry are written
// in one script, so they are atomic across replicas. Keys derive from a prefix P:
//   P:d:{id}   hash: s (1 online / 0 offline), ls (last seen, ms), sc (state changed, ms),
//              cpu, mem, temp, fw, sig (board parameters)
//   P:seen     zset of ONLINE devices by last seen (ms): what the sweeper scans
//   P:on P:off P:all  zsets (score 0) of device ids, for lexicographic paging
//   P:outbox   stream of transitions (d, s, t, ls, c), consumer group "relay"
//   P:wm       hash: uplink partition -> consumed-up-to time (ms)
namespace fleet::online::scripts {

// ARGV: prefix, now_ms, then 7 per device: id, seen_ms, cpu, mem, temp, fw, sig ('' = absent).
// Returns the number of devices that came online.
inline constexpr char kTouch[] = R"lua(
local p = ARGV[1]
local now = ARGV[2]
local names = {'cpu', 'mem', 'temp', 'fw', 'sig'}
local came_online = 0
for i = 3, #ARGV, 7 do
  local id = ARGV[i]
  local seen = ARGV[i + 1]
  local key = p .. ':d:' .. id
  local cur = redis.call('HMGET', key, 's', 'ls')
  local last = cur[2]
  if last == false or tonumber(seen) > tonumber(last) then
    last = seen
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
  redis.call('ZADD', p .. ':seen', 'GT', last, id)
end
return came_online
)lua";

// ARGV: prefix, cutoff_ms, now_ms, limit. Marks offline the online devices last seen before
// cutoff, oldest first. Returns how many.
inline constexpr char kSweep[] = R"lua(
local p = ARGV[1]
local now = ARGV[3]
local ids = redis.call('ZRANGEBYSCORE', p .. ':seen', '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))
for _, id in ipairs(ids) do
  local ls = redis.call('ZSCORE', p .. ':seen', id)
  redis.call('HSET', p .. ':d:' .. id, 's', '0', 'sc', now)
  redis.call('ZREM', p .. ':seen', id)
  redis.call('ZREM', p .. ':on', id)
  redis.call('ZADD', p .. ':off', 0, id)
  redis.call('XADD', p .. ':outbox', '*', 'd', id, 's', '0', 't', now, 'ls', ls, 'c', 'timeout')
end
return #ids
)lua";

}  // namespace fleet::online::scripts
