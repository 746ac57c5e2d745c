namespace WebSocketProxy.Llm;

/// <summary>One client's budget windows. Minute windows start with the first request; day windows end at UTC midnight.</summary>
internal sealed class LlmBudgetAccount : ILlmBudgetSettlement
{
    private readonly Lock _lock = new();
    private Window _tokensPerMinute;
    private Window _tokensPerDay;
    private Window _requestsPerMinute;
    private CostWindow _costPerDay;
    private int _inFlight;
    private bool _retired;

    /// <summary>Reserves against every configured limit at once, or nothing; <see langword="null"/> when the account was retired.</summary>
    public LlmBudgetResult? TryReserve(LlmBudgetConfig limits, long tokens, decimal cost, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (_retired)
            {
                return null;
            }

            _tokensPerMinute.Roll(now, day: false);
            _tokensPerDay.Roll(now, day: true);
            _requestsPerMinute.Roll(now, day: false);
            _costPerDay.Roll(now);
            if (limits.RequestsPerMinute is { } rpm && _requestsPerMinute.Used + 1 > rpm)
            {
                return Refuse(LlmErrorCodes.RateLimited, "requests per minute", _requestsPerMinute.End - now);
            }

            if (limits.TokensPerDay is { } tpd && _tokensPerDay.Used + tokens > tpd)
            {
                return Refuse(LlmErrorCodes.QuotaExceeded, "tokens per day", _tokensPerDay.End - now);
            }

            if (limits.TokensPerMinute is { } tpm && _tokensPerMinute.Used + tokens > tpm)
            {
                return Refuse(LlmErrorCodes.RateLimited, "tokens per minute", _tokensPerMinute.End - now);
            }

            if (limits.CostPerDay is { } cpd && _costPerDay.Used + cost > cpd)
            {
                return Refuse(LlmErrorCodes.QuotaExceeded, "cost per day", _costPerDay.End - now);
            }

            _requestsPerMinute.Used += 1;
            _tokensPerMinute.Used += tokens;
            _tokensPerDay.Used += tokens;
            _costPerDay.Used += cost;
            _inFlight++;
            var reservation = new LlmBudgetReservation(this, tokens, cost, _tokensPerMinute.End, _tokensPerDay.End, _costPerDay.End);
            return new LlmBudgetResult(reservation, null, null, null, Remaining(limits, now));
        }
    }

    /// <summary>Replaces a reservation by what was really spent: gives back the difference (within the same window) or charges it.</summary>
    public void Reconcile(LlmBudgetReservation reservation, long tokens, decimal cost, DateTimeOffset now)
    {
        lock (_lock)
        {
            _tokensPerMinute.Roll(now, day: false);
            _tokensPerDay.Roll(now, day: true);
            _costPerDay.Roll(now);
            _tokensPerMinute.Adjust(tokens - reservation.Tokens, reservation.MinuteEnd);
            _tokensPerDay.Adjust(tokens - reservation.Tokens, reservation.DayEnd);
            _costPerDay.Adjust(cost - reservation.Cost, reservation.CostEnd);
            _inFlight--;
        }
    }

    /// <summary>Charges what was spent without a reservation (a Realtime response): it may take a window past its limit, which then refuses.</summary>
    public bool Charge(long tokens, decimal cost, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (_retired)
            {
                return false;
            }

            _tokensPerMinute.Roll(now, day: false);
            _tokensPerDay.Roll(now, day: true);
            _costPerDay.Roll(now);
            _tokensPerMinute.Used += tokens;
            _tokensPerDay.Used += tokens;
            _costPerDay.Used += cost;
            return true;
        }
    }

    /// <summary>Whether a further request would be refused now: a token or money window at or past its limit.</summary>
    public bool IsExhausted(LlmBudgetConfig limits, DateTimeOffset now)
    {
        lock (_lock)
        {
            _tokensPerMinute.Roll(now, day: false);
            _tokensPerDay.Roll(now, day: true);
            _costPerDay.Roll(now);
            return _tokensPerMinute.Used >= limits.TokensPerMinute || _tokensPerDay.Used >= limits.TokensPerDay || _costPerDay.Used >= limits.CostPerDay;
        }
    }

    /// <summary>Retires the account when nothing is in flight and every window is empty or over.</summary>
    public bool TryRetire(DateTimeOffset now)
    {
        lock (_lock)
        {
            _tokensPerMinute.Roll(now, day: false);
            _tokensPerDay.Roll(now, day: true);
            _requestsPerMinute.Roll(now, day: false);
            _costPerDay.Roll(now);
            _retired = _inFlight == 0 && _tokensPerMinute.Used == 0 && _tokensPerDay.Used == 0 && _requestsPerMinute.Used == 0 && _costPerDay.Used == 0;
            return _retired;
        }
    }

    private List<LlmBudgetRemaining> Remaining(LlmBudgetConfig limits, DateTimeOffset now)
    {
        var remaining = new List<LlmBudgetRemaining>(4);
        if (limits.RequestsPerMinute is { } rpm)
        {
            remaining.Add(new LlmBudgetRemaining("requests_per_minute", rpm, rpm - _requestsPerMinute.Used, _requestsPerMinute.End - now));
        }

        if (limits.TokensPerMinute is { } tpm)
        {
            remaining.Add(new LlmBudgetRemaining("tokens_per_minute", tpm, tpm - _tokensPerMinute.Used, _tokensPerMinute.End - now));
        }

        if (limits.TokensPerDay is { } tpd)
        {
            remaining.Add(new LlmBudgetRemaining("tokens_per_day", tpd, tpd - _tokensPerDay.Used, _tokensPerDay.End - now));
        }

        if (limits.CostPerDay is { } cpd)
        {
            remaining.Add(new LlmBudgetRemaining("cost_per_day", cpd, cpd - _costPerDay.Used, _costPerDay.End - now));
        }

        return remaining;
    }

    private static LlmBudgetResult Refuse(string code, string name, TimeSpan wait)
        => new(null, code, $"The {name} budget is exhausted.", wait > TimeSpan.Zero ? wait : TimeSpan.Zero, []);

    private struct Window
    {
        public long Used;
        public DateTimeOffset End;

        public void Roll(DateTimeOffset now, bool day)
        {
            if (now < End)
            {
                return;
            }

            Used = 0;
            End = day ? new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1) : now.AddMinutes(1);
        }

        /// <summary>Gives back only within the window the reservation was taken in (a new window starts from zero); charges always.</summary>
        public void Adjust(long delta, DateTimeOffset windowEnd)
        {
            if (delta > 0 || windowEnd == End)
            {
                Used = Math.Max(0, Used + delta);
            }
        }
    }

    private struct CostWindow
    {
        public decimal Used;
        public DateTimeOffset End;

        public void Roll(DateTimeOffset now)
        {
            if (now < End)
            {
                return;
            }

            Used = 0;
            End = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1);
        }

        public void Adjust(decimal delta, DateTimeOffset windowEnd)
        {
            if (delta > 0 || windowEnd == End)
            {
                Used = Math.Max(0, Used + delta);
            }
        }
    }
}
