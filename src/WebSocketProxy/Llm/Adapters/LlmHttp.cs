using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>What the built-in adapters share: the named HttpClient, JSON bodies, and turning HTTP errors into <see cref="LlmUpstreamException"/>.</summary>
internal static partial class LlmHttp
{
    public const string ClientName = "WebSocketProxy.Llm";

    private const int MaxErrorBodyBytes = 64 * 1024;

    public static Uri Endpoint(LlmProviderConfig provider, string defaultBaseUrl, string path)
    {
        var baseUrl = string.IsNullOrEmpty(provider.BaseUrl) ? defaultBaseUrl : provider.BaseUrl;
        return new Uri(baseUrl.TrimEnd('/') + "/" + path);
    }

    public static HttpRequestMessage Post(Uri uri, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        var content = new ByteArrayContent(buffer.WrittenSpan.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Accept.ParseAdd("application/x-ndjson");
        request.Headers.Accept.ParseAdd("application/json");
        return request;
    }

    /// <summary>Writes a tool call's arguments as a JSON object: the text itself when it is one, else <c>{}</c>.</summary>
    public static void WriteArgumentsObject(Utf8JsonWriter writer, string propertyName, string? arguments)
    {
        writer.WritePropertyName(propertyName);
        if (!string.IsNullOrWhiteSpace(arguments))
        {
            try
            {
                using var document = JsonDocument.Parse(arguments);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    document.RootElement.WriteTo(writer);
                    return;
                }
            }
            catch (JsonException)
            {
            }
        }

        writer.WriteStartObject();
        writer.WriteEndObject();
    }

    /// <summary>Writes a tool's parameter schema, or an empty object schema when it has none.</summary>
    public static void WriteParameters(Utf8JsonWriter writer, string propertyName, LlmTool tool)
    {
        writer.WritePropertyName(propertyName);
        if (tool.Parameters is { ValueKind: JsonValueKind.Object } schema)
        {
            schema.WriteTo(writer);
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("type", "object");
        writer.WriteStartObject("properties");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Splits a base64 <c>data:</c> URL (<c>data:image/png;base64,iVBOR…</c>) into its media type and payload.</summary>
    public static bool TryParseDataUrl(string url, out string mediaType, out string base64)
    {
        mediaType = string.Empty;
        base64 = string.Empty;
        if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var comma = url.IndexOf(',', StringComparison.Ordinal);
        const string Marker = ";base64";
        if (comma < 0 || !url.AsSpan(0, comma).EndsWith(Marker, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        mediaType = url[5..(comma - Marker.Length)];
        base64 = url[(comma + 1)..];
        return mediaType.Length > 0 && base64.Length > 0;
    }

    /// <summary>Sends the request and returns the response once its headers arrived; a failure status becomes an <see cref="LlmUpstreamException"/>.</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new LlmUpstreamException("The model provider could not be reached: " + ex.Message, ex);
        }

        if (response.IsSuccessStatusCode)
        {
            LlmRateLimitHint.Observe(response, DateTimeOffset.UtcNow);
            return response;
        }

        using (response)
        {
            var body = await ReadBoundedAsync(response, cancellationToken);
            var (code, message) = ParseError(body);
            throw new LlmUpstreamException(message ?? $"The model provider answered {(int)response.StatusCode} {response.ReasonPhrase}.")
            {
                StatusCode = (int)response.StatusCode,
                ProviderCode = code,
                RetryAfter = RetryAfter(response),
                ProviderRequestId = RequestId(response),
            };
        }
    }

    /// <summary>Reads the error object of an OpenAI (<c>{"error":{"message","code","type"}}</c>), Anthropic (<c>{"type":"error","error":{…}}</c>) or Ollama (<c>{"error":"…"}</c>) payload.</summary>
    public static (string? Code, string? Message) ParseError(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return (null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return ParseError(document.RootElement);
        }
        catch (JsonException)
        {
            return (null, body.Length > 200 ? body[..200] : body);
        }
    }

    public static (string? Code, string? Message) ParseError(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("error", out var error))
        {
            return (null, null);
        }

        if (error.ValueKind == JsonValueKind.String)
        {
            return (null, error.GetString());
        }

        if (error.ValueKind != JsonValueKind.Object)
        {
            return (null, null);
        }

        var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        string? code = null;
        if (error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String)
        {
            code = c.GetString();
        }
        else if (error.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String)
        {
            code = t.GetString();
        }

        return (code, message);
    }

    public static string NormaliseFinishReason(string? reason) => reason switch
    {
        null or "" => "stop",
        "stop" or "end_turn" or "stop_sequence" or "completed" => "stop",
        "length" or "max_tokens" or "max_output_tokens" or "model_length" => "length",
        "tool_use" or "tool_calls" or "function_call" => "tool_calls",
        "content_filter" or "refusal" => "content_filter",
        _ => reason,
    };

    public static int? GetInt(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) ? i : null;

    public static string? GetString(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool TryGetHeader(HttpResponseMessage response, string name, out string value)
    {
        if (response.Headers.TryGetValues(name, out var values))
        {
            foreach (var v in values)
            {
                value = v;
                return true;
            }
        }

        value = string.Empty;
        return false;
    }

    private static async Task<string> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxErrorBodyBytes];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        return Encoding.UTF8.GetString(buffer, 0, total);
    }
}
