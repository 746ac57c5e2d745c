using WebSocketProxy.Configuration;

namespace WebSocketProxy.Messages;

/// <summary>
/// A route's transformers for each direction, in order (the built-in validation first on client messages), and the
/// per-message time budget: the messages stage's feature of a route.
/// </summary>
/// <remarks>
/// A route without transformers has an empty pipeline and its sessions stream frames without assembling. When any
/// direction has a transformer both directions assemble whole messages, so a reply or an extra message never lands
/// between the frames of a message the other pump is streaming to the same socket.
/// </remarks>
internal sealed class MessagePipeline
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1);

    public static readonly MessagePipeline Empty = new([], [], DefaultTimeout);

    private readonly IReadOnlyDictionary<string, MessagePipeline>? _bySubprotocol;

    public MessagePipeline(MessagePipelineStep[] clientToBackend, MessagePipelineStep[] backendToClient, TimeSpan timeout, IReadOnlyDictionary<string, MessagePipeline>? bySubprotocol = null)
    {
        ClientToBackend = clientToBackend;
        BackendToClient = backendToClient;
        Timeout = timeout;
        _bySubprotocol = bySubprotocol;
    }

    /// <summary>A pipeline with the same transformers in both directions and the default time budget (tests and benchmarks).</summary>
    public MessagePipeline(IMessageTransformer[] transformers)
        : this(Steps(transformers), Steps(transformers), DefaultTimeout)
    {
    }

    public MessagePipelineStep[] ClientToBackend { get; }

    public MessagePipelineStep[] BackendToClient { get; }

    /// <summary>Gets how long one message's transformers may take together; infinite when disabled.</summary>
    public TimeSpan Timeout { get; }

    public bool IsEmpty => ClientToBackend.Length == 0 && BackendToClient.Length == 0;

    /// <summary>A pipeline with the same transformers in both directions and the default time budget (tests and benchmarks).</summary>
    public static MessagePipeline Both(params IMessageTransformer[] transformers) => Both(DefaultTimeout, transformers);

    /// <summary>A pipeline with the same transformers in both directions and the given time budget (tests and benchmarks).</summary>
    public static MessagePipeline Both(TimeSpan timeout, params IMessageTransformer[] transformers)
    {
        var steps = Steps(transformers);
        return new MessagePipeline(steps, steps, timeout);
    }

    public MessagePipelineStep[] For(MessageDirection direction) => direction == MessageDirection.ClientToBackend ? ClientToBackend : BackendToClient;

    /// <summary>Gets the pipeline of a session whose client negotiated <paramref name="subprotocol"/> (entries with a <c>Subprotocol</c> condition included or left out).</summary>
    public MessagePipeline ForSubprotocol(string? subprotocol)
        => subprotocol is not null && _bySubprotocol is not null && _bySubprotocol.TryGetValue(subprotocol, out var pipeline) ? pipeline : this;

    private static MessagePipelineStep[] Steps(IMessageTransformer[] transformers)
    {
        var steps = new MessagePipelineStep[transformers.Length];
        for (var i = 0; i < steps.Length; i++)
        {
            steps[i] = new MessagePipelineStep($"transformer-{i}", transformers[i]);
        }

        return steps;
    }
}
