namespace WebSocketProxy.Llm;

/// <summary>Calls one kind of model provider and turns its streaming answer into <see cref="LlmStreamEvent"/>s.</summary>
/// <remarks>
/// Registered by name with <c>AddLlmStreamAdapter&lt;T&gt;(name)</c>; a provider's <see cref="LlmProviderConfig.Type"/> chooses it.
/// One instance serves every request concurrently. An HTTP error before the stream starts is thrown as
/// <see cref="LlmUpstreamException"/>; an error reported by the provider mid-stream is yielded as an
/// <see cref="LlmStreamEventKind.Error"/> event. Cancelling the token must abort the upstream request.
/// </remarks>
public interface ILlmStreamAdapter
{
    /// <summary>Sends the request to the provider and streams its answer.</summary>
    /// <param name="request">The request, after the route's prompt policy was applied.</param>
    /// <param name="cancellationToken">Cancelled when the client cancels, disconnects or the request times out.</param>
    /// <returns>
    /// Deltas of typed parts (text, reasoning, refusal, tool calls with streamed arguments; see <see cref="LlmStreamEvent"/>),
    /// usage reports, then one finish or error event.
    /// </returns>
    IAsyncEnumerable<LlmStreamEvent> StreamAsync(LlmRequest request, CancellationToken cancellationToken);
}
