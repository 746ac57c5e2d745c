namespace WebSocketProxy.Testing;

/// <summary>A request the <see cref="LoopbackUpstream"/> received.</summary>
/// <param name="Path">The path and query string.</param>
/// <param name="Body">The request body as UTF-8 text.</param>
/// <param name="Headers">The request headers (case-insensitive names).</param>
public sealed record UpstreamRequest(string Path, string Body, IReadOnlyDictionary<string, string> Headers);
