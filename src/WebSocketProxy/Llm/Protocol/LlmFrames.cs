using System.Buffers;
using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>Writes the gateway's <c>llm.v1</c> frames (UTF-8 JSON).</summary>
internal static class LlmFrames
{
    public static byte[] Started(string id, string model, string? provider, bool cacheHit) => Write(w =>
    {
        w.WriteString("type", "chat.started");
        w.WriteString("id", id);
        w.WriteString("model", model);
        w.WriteString("provider", provider);
        w.WriteString("cache", cacheHit ? "hit" : "miss");
    });

    /// <summary>A text delta without a part id (a cached answer's replay).</summary>
    public static byte[] Delta(string id, string? model, long seq, string text) => Delta(id, model, seq, LlmStreamEvent.TextDelta(text));

    /// <summary>
    /// A delta of one part: <c>part</c> (<c>text</c>, <c>reasoning</c>, <c>refusal</c>, <c>tool_call</c>) and <c>partId</c>;
    /// text-bearing parts carry <c>text</c> (so a client that only reads <c>text</c> keeps working for answers), a tool
    /// call carries <c>name</c> on its first fragment and an <c>arguments</c> fragment.
    /// </summary>
    public static byte[] Delta(string id, string? model, long seq, LlmStreamEvent delta) => Write(w =>
    {
        w.WriteString("type", "chat.delta");
        w.WriteString("id", id);
        WriteModel(w, model);
        w.WriteNumber("seq", seq);
        w.WriteString("part", PartName(delta.Part));
        if (delta.PartId is { } partId)
        {
            w.WriteString("partId", partId);
        }

        if (delta.Part == LlmPartType.ToolCall)
        {
            if (delta.ToolName is { } name)
            {
                w.WriteString("name", name);
            }

            w.WriteString("arguments", delta.Text);
        }
        else
        {
            w.WriteString("text", delta.Text);
        }
    });

    /// <summary>The <c>part</c> value of a <c>chat.delta</c> frame.</summary>
    public static string PartName(LlmPartType part) => part switch
    {
        LlmPartType.Reasoning => "reasoning",
        LlmPartType.Refusal => "refusal",
        LlmPartType.ToolCall => "tool_call",
        _ => "text",
    };

    public static byte[] Completed(string id, string? model, string finishReason, LlmUsage usage, decimal? cost) => Write(w =>
    {
        w.WriteString("type", "chat.completed");
        w.WriteString("id", id);
        WriteModel(w, model);
        w.WriteString("finishReason", finishReason);
        WriteUsage(w, usage);
        WriteCost(w, cost);
    });

    public static byte[] Cancelled(string id, string? model, LlmUsage usage, decimal? cost) => Write(w =>
    {
        w.WriteString("type", "chat.cancelled");
        w.WriteString("id", id);
        WriteModel(w, model);
        WriteUsage(w, usage);
        WriteCost(w, cost);
    });

    /// <summary>A <c>ratelimit.updated</c> frame: what remains of each limit of the client's budget (not a terminal frame).</summary>
    public static byte[] RateLimitUpdated(string id, IReadOnlyList<LlmBudgetRemaining> remaining) => Write(w =>
    {
        w.WriteString("type", "ratelimit.updated");
        w.WriteString("id", id);
        w.WriteStartArray("limits");
        foreach (var limit in remaining)
        {
            w.WriteStartObject();
            w.WriteString("name", limit.Name);
            w.WriteNumber("limit", limit.Limit);
            w.WriteNumber("remaining", Math.Max(0, limit.Remaining));
            w.WriteNumber("resetMs", (long)Math.Ceiling(Math.Max(0, limit.ResetIn.TotalMilliseconds)));
            w.WriteEndObject();
        }

        w.WriteEndArray();
    });

    /// <summary>
    /// A <c>chat.error</c> frame. <paramref name="message"/> is one of the gateway's own stable texts, never a provider's;
    /// <paramref name="providerRequestId"/> is the provider's request id, for support tickets.
    /// </summary>
    public static byte[] Error(string? id, string? model, string code, string message, TimeSpan? retryAfter = null, int? upstreamStatus = null, LlmUsage? usage = null, decimal? cost = null, string? providerRequestId = null) => Write(w =>
    {
        w.WriteString("type", "chat.error");
        if (id is null)
        {
            w.WriteNull("id");
        }
        else
        {
            w.WriteString("id", id);
        }

        WriteModel(w, model);
        w.WriteStartObject("error");
        w.WriteString("code", code);
        w.WriteString("message", message);
        if (retryAfter is { } wait)
        {
            w.WriteNumber("retryAfterMs", (long)Math.Ceiling(Math.Max(0, wait.TotalMilliseconds)));
        }

        if (upstreamStatus is { } status)
        {
            w.WriteNumber("upstreamStatus", status);
        }

        if (providerRequestId is not null)
        {
            w.WriteString("providerRequestId", providerRequestId);
        }

        w.WriteEndObject();
        if (usage is not null)
        {
            WriteUsage(w, usage);
            WriteCost(w, cost);
        }
    });

    private static void WriteModel(Utf8JsonWriter writer, string? model)
    {
        if (model is not null)
        {
            writer.WriteString("model", model);
        }
    }

    private static void WriteCost(Utf8JsonWriter writer, decimal? cost)
    {
        if (cost is { } value)
        {
            writer.WriteNumber("cost", decimal.Round(value, 8));
        }
        else
        {
            writer.WriteNull("cost");
        }
    }

    private static void WriteUsage(Utf8JsonWriter writer, LlmUsage usage)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("input", usage.InputTokens ?? 0);
        writer.WriteNumber("output", usage.OutputTokens ?? 0);
        writer.WriteNumber("cached", usage.CachedTokens ?? 0);
        writer.WriteNumber("total", usage.TotalTokens ?? ((usage.InputTokens ?? 0) + (usage.OutputTokens ?? 0)));
        writer.WriteBoolean("estimated", usage.Estimated);
        writer.WriteEndObject();
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
