using System.Diagnostics;

namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>Where a case runs: a port and a path (the backend directly, or a proxy route in front of it).</summary>
/// <param name="Name">The column name in the report.</param>
/// <param name="Port">The port on 127.0.0.1.</param>
/// <param name="Path">The request path.</param>
/// <param name="DeflatePath">The request path for permessage-deflate cases.</param>
internal sealed record ConformanceTarget(string Name, int Port, string Path, string DeflatePath);

/// <summary>The outcome of one case on one target.</summary>
/// <param name="Id">The case id.</param>
/// <param name="Verdict">The verdict.</param>
/// <param name="Behavior">Autobahn's behaviour (events) before the close is folded in.</param>
/// <param name="CloseBehavior">Autobahn's close behaviour: OK, FAILED, UNCLEAN, WRONG CODE, FAILED BY CLIENT.</param>
/// <param name="Notes">What was seen, in one line.</param>
/// <param name="Elapsed">How long the case took.</param>
internal sealed record CaseResult(string Id, Verdict Verdict, Verdict Behavior, string CloseBehavior, string Notes, TimeSpan Elapsed)
{
    /// <summary>Gets whether Autobahn would count the case as passed (OK, NON-STRICT, INFORMATIONAL).</summary>
    public bool Passed => Verdict is Verdict.Ok or Verdict.NonStrict or Verdict.Informational;
}

/// <summary>Runs a case the way Autobahn's fuzzing client does and judges it the way Autobahn's <c>Case.onConnectionLost</c> does.</summary>
internal static class CaseRunner
{
    /// <summary>How long the client waits for the server to close TCP after the close handshake (Autobahn's 1 s).</summary>
    private static readonly TimeSpan ServerDropTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How long the client waits for the server's close frame after its own.</summary>
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);

    public static async Task<CaseResult> RunAsync(ConformanceCase testCase, ConformanceTarget target, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(testCase.Timeout);
        FuzzingClient client;
        try
        {
            client = await FuzzingClient.ConnectAsync(target.Port, testCase.Offers is null ? target.Path : target.DeflatePath, testCase.Offers, timeout.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return new CaseResult(testCase.Id, Verdict.Failed, Verdict.Failed, "FAILED", $"handshake failed: {ex.Message}", watch.Elapsed);
        }

        await using (client)
        {
            var context = new CaseContext(client);
            if (testCase.Offers is not null && client.Deflate is null)
            {
                context.Behavior = Verdict.Unimplemented;
                context.Note = "permessage-deflate not accepted";
                await client.SendCloseAsync(1000);
            }
            else
            {
                await testCase.Script(context);
                await EndAsync(testCase, client);
            }

            await FinishAsync(client);
            var timedOut = timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested;
            return Judge(testCase, client, context, timedOut, watch.Elapsed);
        }
    }

    private static async Task EndAsync(ConformanceCase testCase, FuzzingClient client)
    {
        if (testCase.End == CaseEnd.CloseAfter)
        {
            var ok = testCase.Expected.Count > 0 ? testCase.Expected[0].Events : null;
            await client.WaitUntilAsync(c => c.CloseSent || c.CloseReceived || (ok is not null && CaseEvent.SameList(c.Received, ok)), testCase.EndAfter);
            if (!client.CloseSent && !client.Ended)
            {
                await client.SendCloseAsync(testCase.Close.Codes[0]);
            }

            return;
        }

        if (!await client.WaitUntilAsync(c => c.CloseReceived, testCase.EndAfter) && !client.Ended)
        {
            await client.DropAsync(); // killAfter: the server neither closed nor failed the connection in time
        }
    }

    private static async Task FinishAsync(FuzzingClient client)
    {
        if (client.Ended)
        {
            return;
        }

        if (client.CloseSent && !client.CloseReceived)
        {
            await client.WaitUntilAsync(c => c.CloseReceived, CloseHandshakeTimeout);
        }

        if (!await client.WaitUntilAsync(c => c.Ended, ServerDropTimeout))
        {
            await client.DropAsync();
        }
    }

    private static CaseResult Judge(ConformanceCase testCase, FuzzingClient client, CaseContext context, bool timedOut, TimeSpan elapsed)
    {
        var received = client.Received;
        var behavior = context.Behavior ?? Verdict.Failed;
        if (context.Behavior is null)
        {
            foreach (var (candidate, events) in testCase.Expected)
            {
                if (CaseEvent.SameList(received, events))
                {
                    behavior = candidate;
                    break;
                }
            }
        }

        var expected = testCase.Close;
        string closeBehavior;
        if (expected.ClosedByMe != client.ClosedByMe)
        {
            closeBehavior = "FAILED";
        }
        else if (expected.RequireClean && !(client.CloseSent && client.CloseReceived))
        {
            closeBehavior = "UNCLEAN";
        }
        else if (client.RemoteCloseCode is { } code && !expected.Codes.Contains(code))
        {
            closeBehavior = "WRONG CODE";
        }
        else if (client.DroppedByMe)
        {
            closeBehavior = "FAILED BY CLIENT";
        }
        else
        {
            closeBehavior = "OK";
        }

        if (testCase.WrongCodeFails && closeBehavior == "WRONG CODE")
        {
            behavior = Verdict.Failed;
        }

        var verdict = behavior;
        if (client.ServerViolation is not null || timedOut)
        {
            verdict = Verdict.Failed;
        }
        else if (testCase.Informational && behavior != Verdict.Unimplemented)
        {
            verdict = Verdict.Informational;
        }
        else if (behavior is Verdict.Ok or Verdict.NonStrict && closeBehavior is "FAILED" or "WRONG CODE")
        {
            verdict = Verdict.Failed;
        }
        else if (behavior == Verdict.Ok && closeBehavior is "UNCLEAN" or "FAILED BY CLIENT")
        {
            verdict = Verdict.NonStrict;
        }

        var notes = new List<string>();
        if (context.Note is not null)
        {
            notes.Add(context.Note);
        }

        if (client.ServerViolation is not null)
        {
            notes.Add($"server violation: {client.ServerViolation}");
        }

        if (timedOut)
        {
            notes.Add($"case timed out after {testCase.Timeout.TotalSeconds:0} s");
        }

        notes.Add(received.Count <= 4 ? $"got [{string.Join(", ", received)}]" : $"got {received.Count} events");
        notes.Add($"close {closeBehavior}: {(client.ClosedByMe ? "client closed first" : client.CloseReceived ? "server closed first" : "no close from server")}, code {client.RemoteCloseCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}{(client.CloseSent && client.CloseReceived ? ", clean" : ", unclean")}{(client.EndReason is null ? string.Empty : $", {client.EndReason}")}");
        return new CaseResult(testCase.Id, verdict, behavior, closeBehavior, string.Join("; ", notes), elapsed);
    }
}
