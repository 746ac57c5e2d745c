namespace WebSocketProxy.Gateway;

/// <summary>
/// Where the gateway runs socket continuations. The image sets <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>
/// (deploy/Dockerfile): the runtime then completes socket operations on one event thread per core instead of queueing
/// them to the thread pool, and Kestrel's pipes continue inline as well (as ASP.NET Core's own benchmarks pair the two), so
/// a relayed message crosses no thread-pool hop between the legs. Everything the gateway runs after a socket await is
/// non-blocking; the variable set to anything else keeps the defaults.
/// </summary>
internal static class GatewayScheduling
{
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Gets whether the runtime's socket engine runs completions inline (it reads the variable once, at its start).</summary>
    public static bool Inline { get; } = Environment.GetEnvironmentVariable(InlineCompletionsVariable) == "1";
}
