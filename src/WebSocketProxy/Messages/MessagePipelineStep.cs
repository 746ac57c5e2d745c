namespace WebSocketProxy.Messages;

/// <summary>One transformer of a route's pipeline, with the name it is logged under.</summary>
internal sealed record MessagePipelineStep(string Name, IMessageTransformer Transformer);
