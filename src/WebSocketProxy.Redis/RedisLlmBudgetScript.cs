namespace WebSocketProxy.Redis;

/// <summary>
/// The one Lua script behind the shared LLM budgets. Per client key: a hash of four windows (requests and tokens per
/// minute — a minute from the first request —, tokens and money per UTC day; money in nano-units), and a sorted set
/// of the reservations in flight, each member <c>id|tokens|nanos|tpmEnd|tpdEnd|cpdEnd</c> scored with its expiry.
/// Every call first rolls the windows that are over and gives back expired reservations (their instance stopped
/// renewing them: it died), all by Redis server time, so instance clocks do not matter.
/// </summary>
internal static class RedisLlmBudgetScript
{
    /// <summary>The indexes of the answer to a reservation: refused (0, or 1–4 for requests/minute, tokens/day, tokens/minute, money/day), now, then the windows.</summary>
    public const int Refused = 0, Now = 1, RequestsUsed = 2, RequestsEnd = 3, MinuteUsed = 4, MinuteEnd = 5, DayUsed = 6, DayEnd = 7, CostUsed = 8, CostEnd = 9;

    // KEYS[1]: the windows (hash); KEYS[2]: the reservations (sorted set).
    // ARGV[1] = 'reserve': [2] tokens, [3] nanos, [4..7] limits (requests/min, tokens/min, tokens/day, nanos/day; -1 = none), [8] id, [9] ttl ms
    //          → { refused, now, rpm, rpmEnd, tpm, tpmEnd, tpd, tpdEnd, cpd, cpdEnd }
    // ARGV[1] = 'reconcile': [2] member, [3] tokens spent, [4] nanos spent → 1 when the reservation was still held, 0 when it had expired
    // ARGV[1] = 'charge': [2] tokens, [3] nanos, [4..6] limits (tokens/min, tokens/day, nanos/day) → 1 when a limit is reached
    // ARGV[1] = 'renew': [2] ttl ms, [3..] members of this instance → how many were still held
    public const string Lua = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local mode = ARGV[1]
        if mode == 'renew' then
          local renewed = 0
          for i = 3, #ARGV do
            renewed = renewed + redis.call('ZADD', KEYS[2], 'XX', 'CH', now + tonumber(ARGV[2]), ARGV[i])
          end
          return renewed
        end
        local function s(x) return string.format('%.0f', x) end
        local dayEnd = (math.floor(now / 86400000) + 1) * 86400000
        local h = redis.call('HMGET', KEYS[1], 'rpm', 'rpm_end', 'tpm', 'tpm_end', 'tpd', 'tpd_end', 'cpd', 'cpd_end')
        local w = {}
        for i = 1, 8 do w[i] = tonumber(h[i]) or 0 end
        if now >= w[2] then w[1] = 0; w[2] = now + 60000 end
        if now >= w[4] then w[3] = 0; w[4] = now + 60000 end
        if now >= w[6] then w[5] = 0; w[6] = dayEnd end
        if now >= w[8] then w[7] = 0; w[8] = dayEnd end
        -- gives back only within the window the reservation was taken in (a new window starts from zero); charges always
        local function adjust(used, ends, delta, windowEnd)
          if delta > 0 or windowEnd == w[ends] then
            w[used] = math.max(0, w[used] + delta)
          end
        end
        local function parse(m)
          local id, tk, nn, e1, e2, e3 = string.match(m, '^([^|]+)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)$')
          return tonumber(tk), tonumber(nn), tonumber(e1), tonumber(e2), tonumber(e3)
        end
        local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
        for _, m in ipairs(expired) do
          local tk, nn, e1, e2, e3 = parse(m)
          if tk then
            adjust(3, 4, -tk, e1); adjust(5, 6, -tk, e2); adjust(7, 8, -nn, e3)
          end
        end
        if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now) end
        local result
        if mode == 'reserve' then
          local tokens, nanos = tonumber(ARGV[2]), tonumber(ARGV[3])
          local rpmL, tpmL, tpdL, cpdL = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
          local refused = 0
          if rpmL >= 0 and w[1] + 1 > rpmL then refused = 1
          elseif tpdL >= 0 and w[5] + tokens > tpdL then refused = 2
          elseif tpmL >= 0 and w[3] + tokens > tpmL then refused = 3
          elseif cpdL >= 0 and w[7] + nanos > cpdL then refused = 4 end
          if refused == 0 then
            w[1] = w[1] + 1; w[3] = w[3] + tokens; w[5] = w[5] + tokens; w[7] = w[7] + nanos
            redis.call('ZADD', KEYS[2], now + tonumber(ARGV[9]), ARGV[8] .. '|' .. s(tokens) .. '|' .. s(nanos) .. '|' .. s(w[4]) .. '|' .. s(w[6]) .. '|' .. s(w[8]))
          end
          result = { refused, now, w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8] }
        elseif mode == 'reconcile' then
          local tk, nn, e1, e2, e3 = parse(ARGV[2])
          local held = redis.call('ZREM', KEYS[2], ARGV[2])
          local tokens, nanos = tonumber(ARGV[3]), tonumber(ARGV[4])
          if held == 0 then tk = 0; nn = 0 end -- already given back: charge all that was spent
          adjust(3, 4, tokens - tk, e1); adjust(5, 6, tokens - tk, e2); adjust(7, 8, nanos - nn, e3)
          result = held
        else
          local tokens, nanos = tonumber(ARGV[2]), tonumber(ARGV[3])
          w[3] = w[3] + tokens; w[5] = w[5] + tokens; w[7] = w[7] + nanos
          local tpmL, tpdL, cpdL = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
          result = 0
          if (tpmL >= 0 and w[3] >= tpmL) or (tpdL >= 0 and w[5] >= tpdL) or (cpdL >= 0 and w[7] >= cpdL) then result = 1 end
        end
        redis.call('HSET', KEYS[1], 'rpm', s(w[1]), 'rpm_end', s(w[2]), 'tpm', s(w[3]), 'tpm_end', s(w[4]), 'tpd', s(w[5]), 'tpd_end', s(w[6]), 'cpd', s(w[7]), 'cpd_end', s(w[8]))
        local keep = math.max(w[2], w[4], w[6], w[8]) - now + 60000
        redis.call('PEXPIRE', KEYS[1], s(keep))
        if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], s(keep)) end
        return result
        """;
}
