using FluentAssertions;
using WebSocketProxy.Backends;

namespace WebSocketProxy.Tests.Backends;

public sealed class HashRingTests
{
    private const int Keys = 10_000;
    private readonly ITestOutputHelper _output;

    public HashRingTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void Find_AddingAnEleventhBackendToTen_MovesAtMostFifteenPercentOfKeys()
    {
        var ten = BackendTestContext.Backends(10);
        var eleven = ten.Append(BackendTestContext.Backend("b10", "ws://10.0.0.11:8080/ws")).ToList();
        var before = new HashRing(ten);
        var after = new HashRing(eleven);

        var moved = 0;
        for (var i = 0; i < Keys; i++)
        {
            var key = $"user-{i}";
            var from = before.Find(key);
            var to = after.Find(key);
            if (!ReferenceEquals(from, to))
            {
                moved++;
                to.Id.Should().Be("b10", "a key only ever moves to the new backend");
            }
        }

        _output.WriteLine($"10 → 11 backends: {moved} of {Keys} keys moved ({moved * 100.0 / Keys:F1}%; ideal 9.1%).");
        moved.Should().BeLessThanOrEqualTo(Keys * 15 / 100);
        moved.Should().BeGreaterThan(0);
    }

    [Fact]
    public void Find_RemovingOneBackend_MovesOnlyItsKeys()
    {
        var ten = BackendTestContext.Backends(10);
        var removed = ten[3];
        var nine = ten.Where(b => !ReferenceEquals(b, removed)).ToList();
        var before = new HashRing(ten);
        var after = new HashRing(nine);

        var owned = 0;
        for (var i = 0; i < Keys; i++)
        {
            var key = $"user-{i}";
            var from = before.Find(key);
            var to = after.Find(key);
            if (ReferenceEquals(from, removed))
            {
                owned++;
            }
            else
            {
                to.Should().BeSameAs(from, "keys of the remaining backends stay put");
            }
        }

        _output.WriteLine($"Removing one of 10 backends moved its {owned} keys ({owned * 100.0 / Keys:F1}%) and no other.");
        owned.Should().BeInRange(Keys * 5 / 100, Keys * 15 / 100);
    }

    [Fact]
    public void Find_TenBackends_EachOwnsAFairShare()
    {
        var ring = new HashRing(BackendTestContext.Backends(10));
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < Keys; i++)
        {
            var id = ring.Find($"k{i}").Id;
            counts[id] = counts.GetValueOrDefault(id) + 1;
        }

        counts.Should().HaveCount(10);
        counts.Values.Should().OnlyContain(c => c > 700 && c < 1300);
    }
}
