namespace WebSocketProxy.IntegrationTests.Infrastructure;

/// <summary>Tests that measure process-wide figures (allocations, memory) run alone, not beside other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial (process-wide measurements)";
}
