namespace WebSocketProxy.RealtimeTests.Infrastructure;

/// <summary>Trait values for tests that prove a feature the library does not have yet.</summary>
internal static class Issue
{
    /// <summary>The trait name: <c>dotnet test --filter "Requires!=issue-17"</c> leaves those tests out.</summary>
    public const string Trait = "Requires";

    /// <summary>Issue 17: ForwardHttp, affinity and YARP-shaped route matching.</summary>
    public const string RealtimeFrameworks = "issue-17";
}
