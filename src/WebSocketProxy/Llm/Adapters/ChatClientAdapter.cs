using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace WebSocketProxy.Llm;

/// <summary>Streams through any <see cref="IChatClient"/> registered in the container: keyed by the provider's name, else the unkeyed one.</summary>
/// <remarks>
/// Parts: <see cref="TextContent"/> (text), <see cref="TextReasoningContent"/> (reasoning) and <see cref="FunctionCallContent"/>
/// (a tool call, whole, as one delta). A stream that ends without a finish reason finishes as <c>unknown</c> when it
/// produced something and fails when it produced nothing, so an empty answer is never a success. Exceptions of the
/// client are classified like the HTTP adapters' errors: an <see cref="HttpRequestException"/> or
/// <see cref="ClientResultException"/> (the OpenAI and Azure OpenAI SDKs) with a status becomes an
/// <see cref="LlmUpstreamException"/> with that status (and <c>retry-after</c> when the SDK kept the response), so a 400
/// is <c>bad_request</c> without fallback, a 429 <c>rate_limited</c>, and 5xx, unreachable hosts and the client's own
/// timeouts fall back to the next target.
/// </remarks>
internal sealed partial class ChatClientAdapter(IServiceProvider services) : ILlmStreamAdapter
{
    /// <summary>The finish reason of a stream that produced parts but never said why it ended.</summary>
    public const string UnknownFinishReason = "unknown";

    private const string TextId = "text";
    private const string ReasoningId = "reasoning";
    private const string RefusalId = "refusal";

    /// <summary>M.E.AI's serializer options (they know <see cref="JsonElement"/> and the AI content types), without indentation.</summary>
    private static readonly JsonSerializerOptions ArgumentsJson = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    private static ChatResponseFormat? ToResponseFormat(JsonElement? format)
    {
        if (format is not { } f)
        {
            return null;
        }

        return LlmHttp.GetString(f, "type") switch
        {
            "json_object" => ChatResponseFormat.Json,
            "json_schema" => ChatResponseFormat.ForJsonSchema(
                f.GetProperty("json_schema").GetProperty("schema").Clone(),
                LlmHttp.GetString(f.GetProperty("json_schema"), "name"),
                LlmHttp.GetString(f.GetProperty("json_schema"), "description")),
            _ => ChatResponseFormat.Text,
        };
    }

    public async IAsyncEnumerable<LlmStreamEvent> StreamAsync(LlmRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var client = services.GetKeyedService<IChatClient>(request.ProviderName) ?? services.GetService<IChatClient>()
            ?? throw new LlmUpstreamException($"No IChatClient is registered for provider '{request.ProviderName}'.");
        var messages = ToChatMessages(request.Messages);
        var options = new ChatOptions
        {
            ModelId = request.Model,
            Temperature = request.Temperature is { } t ? (float)t : null,
            TopP = request.TopP is { } p ? (float)p : null,
            MaxOutputTokens = request.MaxTokens,
            StopSequences = request.Stop is { } stop ? [.. stop] : null,
            Seed = request.Seed,
            ResponseFormat = ToResponseFormat(request.ResponseFormat),
        };
        if (request.Tools is { Count: > 0 } tools)
        {
            options.Tools = [.. tools.Select(ToDeclaration)];
            options.ToolMode = request.ToolChoice switch
            {
                null => null,
                { Mode: LlmToolChoiceMode.None } => ChatToolMode.None,
                { Mode: LlmToolChoiceMode.Required } => ChatToolMode.RequireAny,
                { Mode: LlmToolChoiceMode.Function, FunctionName: { } name } => ChatToolMode.RequireSpecific(name),
                _ => ChatToolMode.Auto,
            };
        }

        string? finish = null;
        var produced = false;
        IAsyncEnumerator<ChatResponseUpdate> updates;
        try
        {
            updates = client.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        catch (Exception ex) when (Classify(ex, cancellationToken) is { } upstream)
        {
            throw upstream;
        }

        await using (updates)
        {
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync())
                    {
                        break;
                    }
                }
                catch (Exception ex) when (Classify(ex, cancellationToken) is { } upstream)
                {
                    throw upstream;
                }

                var update = updates.Current;
                foreach (var content in update.Contents)
                {
                    switch (content)
                    {
                        case TextContent { Text.Length: > 0 } text:
                            produced = true;
                            yield return LlmStreamEvent.Delta(LlmPartType.Text, TextId, text.Text);
                            break;
                        case TextReasoningContent { Text.Length: > 0 } reasoning:
                            produced = true;
                            yield return LlmStreamEvent.Delta(LlmPartType.Reasoning, ReasoningId, reasoning.Text);
                            break;
                        case FunctionCallContent call:
                            produced = true;
                            yield return LlmStreamEvent.ToolCallDelta(call.CallId, call.Name, SerializeArguments(call.Arguments));
                            break;
                        case UsageContent usage:
                            yield return LlmStreamEvent.UsageReport(new LlmUsage
                            {
                                InputTokens = ToInt(usage.Details.InputTokenCount),
                                OutputTokens = ToInt(usage.Details.OutputTokenCount),
                                CachedTokens = ToInt(usage.Details.CachedInputTokenCount),
                                TotalTokens = ToInt(usage.Details.TotalTokenCount),
                            });
                            break;
                        case ErrorContent { ErrorCode: { } code } refusal when string.Equals(code, "Refusal", StringComparison.OrdinalIgnoreCase):
                            // Microsoft.Extensions.AI.OpenAI reports OpenAI's refusal text this way: an answer, not a failure.
                            produced = true;
                            yield return LlmStreamEvent.Delta(LlmPartType.Refusal, RefusalId, refusal.Message);
                            break;
                        case ErrorContent error:
                            yield return LlmStreamEvent.Failed(error.ErrorCode, error.Message);
                            yield break;
                        default:
                            break;
                    }
                }

                if (update.FinishReason is { } reason)
                {
                    finish = LlmHttp.NormaliseFinishReason(reason.Value);
                }
            }
        }

        if (finish is not null)
        {
            yield return LlmStreamEvent.Finished(finish);
        }
        else if (produced)
        {
            yield return LlmStreamEvent.Finished(UnknownFinishReason);
        }
        else
        {
            yield return LlmStreamEvent.Failed(null, "The chat client's stream ended without content or a finish reason.");
        }
    }

    /// <summary>
    /// Turns an exception of the chat client into an <see cref="LlmUpstreamException"/> the processor classifies like an
    /// HTTP adapter's; <see langword="null"/> leaves it as it is (our own cancellation, or already classified).
    /// </summary>
    internal static LlmUpstreamException? Classify(Exception exception, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
            case LlmUpstreamException:
                return null;
            case ClientResultException { Status: > 0 } result:
                var raw = result.GetRawResponse();
                var (code, message) = raw is null ? (null, null) : LlmHttp.ParseError(ReadContent(raw));
                return new LlmUpstreamException(message ?? $"The model provider answered {result.Status}.", result)
                {
                    StatusCode = result.Status,
                    ProviderCode = code,
                    RetryAfter = raw is null ? null : RetryAfter(raw, result.Status),
                };
            case HttpRequestException { StatusCode: { } status } http:
                return new LlmUpstreamException($"The model provider answered {(int)status}.", http) { StatusCode = (int)status };
            case HttpRequestException or ClientResultException:
                return new LlmUpstreamException("The model provider could not be reached.", exception);
            case TimeoutException or OperationCanceledException:
                // Not our token: the SDK's own timeout (HttpClient.Timeout surfaces as a TaskCanceledException).
                return new LlmUpstreamException("The model provider did not answer in time.", exception);
            default:
                return null;
        }
    }

    private static string ReadContent(PipelineResponse response)
    {
        try
        {
            return response.Content.ToString();
        }
        catch (InvalidOperationException)
        {
            // A streamed body that was not buffered cannot be read again.
            return string.Empty;
        }
    }

    private static TimeSpan? RetryAfter(PipelineResponse response, int status)
    {
        var headers = response.Headers;
        if (headers.TryGetValue("retry-after-ms", out var ms)
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        if (headers.TryGetValue("retry-after", out var after))
        {
            if (double.TryParse(after, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (DateTimeOffset.TryParse(after, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                var wait = date - DateTimeOffset.UtcNow;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        if (status == 429)
        {
            TimeSpan? longest = null;
            foreach (var name in (ReadOnlySpan<string>)["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"])
            {
                if (headers.TryGetValue(name, out var value) && value is not null && LlmHttp.TryParseGoDuration(value, out var duration) && (longest is null || duration > longest))
                {
                    longest = duration;
                }
            }

            return longest;
        }

        return null;
    }

}
