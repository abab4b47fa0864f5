"""Velocity windows in Redis: each window a sorted set of members by time, updated by an atomic Lua
script; windows expire by themselves. An update with an empty member only reads its window."""

from redis.exceptions import NoScriptError

from .ports import WindowStats, WindowUpdate

# Windows per script call: a call holds Redis for its length, so a large batch is cut into several.
_WINDOWS_PER_CALL = 200

# Count and total in constant time: the total is kept in its own key, added to when a member joins and
# taken from as members expire (so the cost follows the members that expire, not the window's size).
# One call updates many windows in order (KEYS[i] with ARGV[4i-3..4i]): a batch of payments' windows is
# a few script calls instead of one per window (redis-py's packing and parsing of a call per window
# were a fifth of the scoring worker's time, cProfile).
_RECORD = """
local results = {}
for i, key in ipairs(KEYS) do
  local now_ms, window_ms = tonumber(ARGV[4 * i - 3]), tonumber(ARGV[4 * i - 2])
  local member, amount = ARGV[4 * i - 1], tonumber(ARGV[4 * i])
  if member == '' then
    -- Read only: the members still inside the window; nothing swept, added or renewed.
    results[2 * i - 1] = redis.call('ZCOUNT', key, '(' .. (now_ms - window_ms), '+inf')
    results[2 * i] = 0
  else
    local amounts, total = key .. ':amounts', key .. ':total'
    local expired = redis.call('ZRANGEBYSCORE', key, '-inf', now_ms - window_ms)
    for first = 1, #expired, 1000 do
      local chunk = {unpack(expired, first, math.min(first + 999, #expired))}
      local gone = 0
      for _, value in ipairs(redis.call('HMGET', amounts, unpack(chunk))) do gone = gone + (tonumber(value) or 0) end
      redis.call('HDEL', amounts, unpack(chunk))
      redis.call('DECRBY', total, gone)
    end
    if #expired > 0 then redis.call('ZREMRANGEBYSCORE', key, '-inf', now_ms - window_ms) end
    if redis.call('ZADD', key, now_ms, member) == 1 then
      redis.call('HSET', amounts, member, amount)
      redis.call('INCRBY', total, amount)
    end
    redis.call('PEXPIRE', key, window_ms)
    redis.call('PEXPIRE', amounts, window_ms)
    redis.call('PEXPIRE', total, window_ms)
    results[2 * i - 1] = redis.call('ZCARD', key)
    results[2 * i] = tonumber(redis.call('GET', total) or '0')
  end
end
return results
"""


class RedisVelocityStore:
    def __init__(self, client) -> None:
        self._client = client
        self._script = client.register_script(_RECORD)

    def record(self, *, window: str, member: str, amount: int, at: float, window_seconds: int) -> WindowStats:
        return self.record_many([WindowUpdate(window, member, amount, at, window_seconds)])[0]

    def record_many(self, updates: list[WindowUpdate]) -> list[WindowStats]:
        if not updates:
            return []
        calls = []
        for start in range(0, len(updates), _WINDOWS_PER_CALL):
            chunk = updates[start : start + _WINDOWS_PER_CALL]
            args: list[int | str] = []
            for update in chunk:
                args += (int(update.at * 1000), update.window_seconds * 1000, update.member, update.amount)
            calls.append(([f"payproc:velocity:{update.window}" for update in chunk], args))
        try:
            results = self._run(calls)
        except NoScriptError:
            # Redis lost its scripts (restarted, flushed): load it and run the calls again. Updating a
            # window twice with one member is harmless: the member joins once.
            self._client.script_load(_RECORD)
            results = self._run(calls)
        flat = [value for result in results for value in result]
        pairs = zip(flat[::2], flat[1::2], strict=True)
        return [WindowStats(count=int(count), total=int(total)) for count, total in pairs]

    def _run(self, calls: list[tuple[list[str], list[int | str]]]) -> list[list[int]]:
        """The script's calls in order, one round trip. EVALSHA straight: redis-py's pipelined Script
        asks Redis whether the script exists before every pipeline, a second round trip per batch."""
        pipeline = self._client.pipeline(transaction=False)  # each call is atomic on its own
        for keys, args in calls:
            pipeline.evalsha(self._script.sha, len(keys), *keys, *args)
        return pipeline.execute()
