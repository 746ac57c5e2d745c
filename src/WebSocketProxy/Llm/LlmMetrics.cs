using System.Diagnostics;
using System.Diagnostics.Metrics;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Llm;

/// <summary>The LLM instruments on the <c>WebSocketProxy</c> meter: tokens, time to first token, requests.</summary>
internal sealed class LlmMetrics
{
    private readonly Counter<long> _tokens;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Counter<long> _requests;

    public LlmMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(WebSocketProxyDiagnostics.MeterName);
        _tokens = meter.CreateCounter<long>("websocket_proxy.llm.tokens", "{token}", "Tokens used by LLM requests, by token type (input, output).");
        _timeToFirstToken = meter.CreateHistogram<double>("websocket_proxy.llm.time_to_first_token", "s", "Time from a chat.request to its first delta.");
        _requests = meter.CreateCounter<long>("websocket_proxy.llm.requests", "{request}", "Finished LLM requests, by outcome.");
    }

    public void Record(LlmUsageRecord record)
    {
        var provider = record.Provider ?? "none";
        if (_tokens.Enabled)
        {
            _tokens.Add(record.Usage.InputTokens ?? 0, new TagList { { "provider", provider }, { "model", record.Model }, { "token_type", "input" } });
            _tokens.Add(record.Usage.OutputTokens ?? 0, new TagList { { "provider", provider }, { "model", record.Model }, { "token_type", "output" } });
        }

        if (_timeToFirstToken.Enabled && record.TimeToFirstToken is { } ttft)
        {
            _timeToFirstToken.Record(ttft.TotalSeconds, new TagList { { "provider", provider }, { "model", record.Model } });
        }

        if (_requests.Enabled)
        {
            _requests.Add(1, new TagList { { "provider", provider }, { "model", record.Model }, { "outcome", record.Outcome } });
        }
    }
}
