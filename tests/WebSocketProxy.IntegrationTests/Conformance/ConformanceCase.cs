namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>Autobahn's verdicts for one case.</summary>
internal enum Verdict
{
    Ok,
    NonStrict,
    Informational,
    Unimplemented,
    Failed,
}

/// <summary>What a case does once its script has run, as Autobahn's <c>closeAfter</c> / <c>killAfter</c> do.</summary>
internal enum CaseEnd
{
    /// <summary>Close (with the first expected code) as soon as the events match the OK expectation, or after the wait.</summary>
    CloseAfter,

    /// <summary>Wait for the server to close or fail the connection; drop TCP after the wait.</summary>
    KillAfter,
}

/// <summary>The close Autobahn expects: who starts it, which codes are accepted, whether a clean close handshake is required.</summary>
/// <param name="ClosedByMe">Whether the client's close goes first.</param>
/// <param name="Codes">The accepted close codes from the server (a close without a code is accepted as well).</param>
/// <param name="RequireClean">Whether both close frames must be exchanged.</param>
internal sealed record ExpectedClose(bool ClosedByMe, int[] Codes, bool RequireClean)
{
    public static ExpectedClose Normal { get; } = new(true, [1000], true);

    public static ExpectedClose Fail(params int[] codes) => new(false, codes, false);

    public static ExpectedClose ProtocolError { get; } = Fail(1002);

    public static ExpectedClose InvalidPayload { get; } = Fail(1007);
}

/// <summary>One ported Autobahn|Testsuite case: what it sends, what it expects, how it ends.</summary>
internal sealed class ConformanceCase
{
    /// <summary>Gets Autobahn's id, e.g. <c>5.19</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Gets what the case sends, in one line.</summary>
    public required string Description { get; init; }

    /// <summary>Gets the script: sends frames, may wait (recording <c>timeout</c> events) and may decide the behaviour itself.</summary>
    public required Func<CaseContext, Task> Script { get; init; }

    /// <summary>Gets the expected event lists per behaviour, checked in order (OK first); empty when the script decides.</summary>
    public IReadOnlyList<(Verdict Behavior, CaseEvent[] Events)> Expected { get; init; } = [];

    /// <summary>Gets the expected close.</summary>
    public ExpectedClose Close { get; init; } = ExpectedClose.Normal;

    /// <summary>Gets what happens after the script.</summary>
    public CaseEnd End { get; init; } = CaseEnd.CloseAfter;

    /// <summary>Gets how long the end waits (Autobahn: 1–3 s; it only runs out when the server does not answer as expected).</summary>
    public TimeSpan EndAfter { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets whether the outcome is only reported (Autobahn's INFORMATIONAL cases).</summary>
    public bool Informational { get; init; }

    /// <summary>Gets whether a wrong close code fails the case (7.5.1, 7.7.x, 7.9.x, 7.13.x do this in Autobahn).</summary>
    public bool WrongCodeFails { get; init; }

    /// <summary>Gets the permessage-deflate offers (12.x, 13.x); none for the other cases.</summary>
    public IReadOnlyList<DeflateOffer>? Offers { get; init; }

    /// <summary>Gets the longest the case may take end to end.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets the family (<c>1</c> … <c>13</c>), the first number of the id.</summary>
    public string Family => Id[..Id.IndexOf('.', StringComparison.Ordinal)];

    /// <summary>An event-list expectation with only an OK behaviour.</summary>
    /// <param name="events">The events.</param>
    /// <returns>The expectation list.</returns>
    public static IReadOnlyList<(Verdict, CaseEvent[])> Ok(params CaseEvent[] events) => [(Verdict.Ok, events)];

    /// <summary>An OK expectation and a NON-STRICT alternative.</summary>
    /// <param name="ok">The OK events.</param>
    /// <param name="nonStrict">The NON-STRICT events.</param>
    /// <returns>The expectation list.</returns>
    public static IReadOnlyList<(Verdict, CaseEvent[])> OkOrNonStrict(CaseEvent[] ok, CaseEvent[] nonStrict) => [(Verdict.Ok, ok), (Verdict.NonStrict, nonStrict)];

    public override string ToString() => Id;
}

/// <summary>What a script can do: the client, Autobahn-style waits, and (for echo loops) its own verdict.</summary>
internal sealed class CaseContext
{
    public CaseContext(FuzzingClient client)
    {
        Client = client;
    }

    /// <summary>Gets the connected client.</summary>
    public FuzzingClient Client { get; }

    /// <summary>Gets or sets the behaviour a script decided itself (9.7/9.8, 12.x, 13.x); null to match events.</summary>
    public Verdict? Behavior { get; set; }

    /// <summary>Gets or sets what the script wants said about the case.</summary>
    public string? Note { get; set; }

    /// <summary>Autobahn's <c>continueLater</c>: waits <paramref name="delay"/> unless the connection closes first; when still open, records <c>timeout(label)</c>.</summary>
    /// <param name="delay">The wait.</param>
    /// <param name="label">The timeout's label.</param>
    /// <returns>Whether the connection is still open (the script goes on).</returns>
    public async Task<bool> ContinueLaterAsync(TimeSpan delay, string label)
    {
        var closing = await Client.WaitUntilAsync(c => c.CloseReceived || c.Ended, delay);
        if (closing || Client.CloseSent)
        {
            return false;
        }

        Client.RecordTimeout(label);
        return true;
    }
}
