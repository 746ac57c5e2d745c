using System.Diagnostics;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Llm;

/// <summary>
/// One span per provider call with the OpenTelemetry GenAI attributes, and the GenAI client histograms
/// (<c>gen_ai.client.token.usage</c>, <c>gen_ai.client.operation.duration</c>, <c>gen_ai.client.operation.time_to_first_chunk</c>).
/// </summary>
internal sealed class LlmTelemetry
{
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Activity? _activity;
    private readonly long _start;
    private readonly string _provider;
    private readonly string _modelTag;
    private readonly string? _serverAddress;
    private readonly int? _serverPort;
    private TimeSpan? _firstChunk;
    private bool _finished;

    private LlmTelemetry(ProxyMetrics metrics, TimeProvider time, LlmRequest request, LlmProviderConfig provider, string modelTag)
    {
        _metrics = metrics;
        _time = time;
        _start = time.GetTimestamp();
        _provider = ProviderName(request.ProviderName, provider.Type);
        _modelTag = modelTag;
        if (Uri.TryCreate(provider.BaseUrl, UriKind.Absolute, out var uri))
        {
            (_serverAddress, _serverPort) = (uri.Host, uri.Port);
        }

        _activity = ProxyActivitySource.Instance.StartActivity("chat " + request.Model, ActivityKind.Client);
        if (_activity is { IsAllDataRequested: true } activity)
        {
            activity.SetTag("gen_ai.operation.name", "chat");
            activity.SetTag("gen_ai.provider.name", _provider);
            activity.SetTag("gen_ai.request.model", request.Model);
            activity.SetTag("gen_ai.request.max_tokens", request.MaxTokens);
            activity.SetTag("gen_ai.request.temperature", request.Temperature);
            activity.SetTag("gen_ai.request.top_p", request.TopP);
            activity.SetTag("server.address", _serverAddress);
            activity.SetTag("server.port", _serverPort);
        }
    }

    /// <summary>The <c>gen_ai.provider.name</c> of a provider: the well-known name of a built-in adapter, else the configured provider name.</summary>
    public static string ProviderName(string configuredName, string adapter) => adapter switch
    {
        LlmAdapterNames.OpenAIChat or LlmAdapterNames.OpenAIResponses => "openai",
        LlmAdapterNames.Anthropic => "anthropic",
        LlmAdapterNames.Ollama => "ollama",
        _ => configuredName,
    };

    public static LlmTelemetry Start(ProxyMetrics metrics, TimeProvider time, LlmRequest request, LlmProviderConfig provider, string modelTag)
        => new(metrics, time, request, provider, modelTag);

    /// <summary>Marks the first chunk of the answer.</summary>
    public void FirstChunk() => _firstChunk ??= _time.GetElapsedTime(_start);

    /// <summary>Ends the span and records the histograms; <paramref name="errorType"/> is the gateway's error code, or <see langword="null"/>.</summary>
    public void Finish(string model, string? finishReason, LlmUsage usage, string? errorType)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        var duration = _time.GetElapsedTime(_start);
        if (_activity is { } activity)
        {
            activity.SetTag("gen_ai.response.model", model);
            if (finishReason is not null)
            {
                activity.SetTag("gen_ai.response.finish_reasons", new[] { finishReason });
            }

            activity.SetTag("gen_ai.usage.input_tokens", usage.InputTokens);
            activity.SetTag("gen_ai.usage.output_tokens", usage.OutputTokens);
            if (errorType is not null)
            {
                activity.SetTag("error.type", errorType);
                activity.SetStatus(ActivityStatusCode.Error);
            }

            activity.Dispose();
        }

        _metrics.GenAiCallFinished(_provider, _modelTag, errorType, _serverAddress, _serverPort, usage.InputTokens, usage.OutputTokens, duration, _firstChunk);
    }
}
