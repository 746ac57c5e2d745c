namespace WebSocketProxy.Model;

/// <summary>What one direction of a session has forwarded so far: whole messages and their payload bytes.</summary>
/// <param name="Messages">Messages forwarded.</param>
/// <param name="Bytes">Payload bytes of those messages (after transformers).</param>
internal readonly record struct SessionTraffic(long Messages, long Bytes);
