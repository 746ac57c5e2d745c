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

    public static byte[] Delta(string id, string? model, long seq, string text) => Write(w =>
    {
        w.WriteString("type", "chat.delta");
        w.WriteString("id", id);
        WriteModel(w, model);
        w.WriteNumber("seq", seq);
        w.WriteString("text", text);
    });

    public static byte[] Completed(string id, string? model, string finishReason, LlmUsage usage) => Write(w =>
    {
        w.WriteString("type", "chat.completed");
        w.WriteString("id", id);
        WriteModel(w, model);
        w.WriteString("finishReason", finishReason);
        WriteUsage(w, usage);
    });

    public static byte[] Cancelled(string id, string? model, LlmUsage usage) => Write(w =>
    {
        w.WriteString("type", "chat.cancelled");
        w.WriteString("id", id);
        WriteModel(w, model);
        WriteUsage(w, usage);
    });

    public static byte[] Error(string? id, string? model, string code, string message, TimeSpan? retryAfter = null, int? upstreamStatus = null) => Write(w =>
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

        w.WriteEndObject();
    });

    private static void WriteModel(Utf8JsonWriter writer, string? model)
    {
        if (model is not null)
        {
            writer.WriteString("model", model);
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
