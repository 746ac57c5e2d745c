namespace WebSocketProxy.Messages;

/// <summary>Sees each whole message of a route and decides what happens to it: forward (possibly changed), drop, reply to the sender, or close; it may also send extra messages to either side.</summary>
/// <remarks>
/// Registered by name with <c>AddMessageTransformer</c> (or built per route from its settings with <c>AddMessageTransformerFactory</c>)
/// and listed per route in <see cref="Configuration.RouteConfig.Transformers"/> (both directions),
/// <see cref="Configuration.RouteConfig.ClientToBackendTransformers"/> or <see cref="Configuration.RouteConfig.BackendToClientTransformers"/>.
/// A route with transformers assembles each message (bounded by its maximum message size) before calling them; a route
/// without transformers streams frames without assembling. The transformers of one message share the route's
/// <see cref="Configuration.RouteConfig.TransformerTimeout"/>: throwing or overrunning it closes the session with 1011.
/// One instance serves every connection of a route: implementations must be thread-safe.
/// </remarks>
public interface IMessageTransformer
{
    /// <summary>Transforms one message.</summary>
    /// <param name="context">The message and its connection; valid only until the returned task completes.</param>
    /// <param name="cancellationToken">Cancelled when the session ends.</param>
    /// <returns>What to do with the message.</returns>
    ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken);
}
