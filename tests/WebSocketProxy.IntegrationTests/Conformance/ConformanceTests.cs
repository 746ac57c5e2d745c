using FluentAssertions;

namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>
/// The ported Autobahn|Testsuite cases, each run directly against a Kestrel echo backend and through the proxy on a
/// plain route and a transformer route: wherever the direct run passes, the proxied runs must not fail (issue 16).
/// </summary>
public sealed class ConformanceTests : IClassFixture<ConformanceServers>
{
    private readonly ConformanceServers _servers;

    public ConformanceTests(ConformanceServers servers)
    {
        _servers = servers;
    }

    public static TheoryData<string> Families => [.. Catalogue.Families];

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Family_ThroughProxy_PassesWhereDirectPasses(string family)
    {
        var run = await _servers.RunFamilyAsync(family, TestContext.Current.CancellationToken);

        run.Rows.Should().NotBeEmpty();
        var regressions = ConformanceReport.Regressions(run.Rows);
        regressions.Should().BeEmpty(
            "family {0} must pass through the proxy wherever it passes directly (direct {1}; plain {2}; transformer {3}, as OK/NON-STRICT/INFO/UNIMPL/FAILED)",
            family,
            ConformanceReport.Counts(run.Rows.Select(r => r.Direct)),
            ConformanceReport.Counts(run.Rows.Select(r => r.Plain)),
            ConformanceReport.Counts(run.Rows.Select(r => r.Transformer)));
    }

    [Fact]
    public async Task Report_ListsEveryCase()
    {
        var runs = new List<FamilyRun>();
        foreach (var family in Catalogue.Families)
        {
            runs.Add(await _servers.RunFamilyAsync(family, TestContext.Current.CancellationToken));
        }

        var rows = runs.SelectMany(r => r.Rows).ToList();
        rows.Select(r => r.Case.Id).Should().OnlyHaveUniqueItems().And.HaveCount(Catalogue.All.Count);
        rows.Count(r => r.Case.Family == "6").Should().Be(145, "every 6.x case of Autobahn is ported");
        var report = ConformanceReport.Render(runs);
        report.Should().Contain("| 7.9.9 |").And.Contain("| 13.7.14 |");

        var path = Environment.GetEnvironmentVariable(ConformanceReport.EnvironmentVariable);
        if (!string.IsNullOrEmpty(path))
        {
            await File.WriteAllTextAsync(path, report, TestContext.Current.CancellationToken);
        }
    }
}
