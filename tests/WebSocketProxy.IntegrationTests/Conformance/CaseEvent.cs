namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>Something the fuzzing client observed, in Autobahn's vocabulary: a message, a ping, a pong, or a wait that ran out.</summary>
/// <param name="Kind"><c>message</c>, <c>ping</c>, <c>pong</c> or <c>timeout</c>.</param>
/// <param name="Payload">The payload (message, ping, pong), or empty.</param>
/// <param name="Binary">For a message: whether it was binary.</param>
/// <param name="Label">For a timeout: its label (<c>A</c>, <c>B</c>).</param>
internal sealed record CaseEvent(string Kind, byte[] Payload, bool Binary = false, string? Label = null)
{
    public static CaseEvent Message(byte[] payload, bool binary = false) => new("message", payload, binary);

    public static CaseEvent Text(string payload) => new("message", System.Text.Encoding.UTF8.GetBytes(payload));

    public static CaseEvent Ping(byte[] payload) => new("ping", payload);

    public static CaseEvent Pong(byte[] payload) => new("pong", payload);

    public static CaseEvent Timeout(string label) => new("timeout", [], Label: label);

    /// <summary>Whether two events are the same (kind, label, type and payload bytes).</summary>
    /// <param name="other">The other event.</param>
    /// <returns>True when equal.</returns>
    public bool SameAs(CaseEvent other) =>
        Kind == other.Kind && Binary == other.Binary && Label == other.Label && Payload.AsSpan().SequenceEqual(other.Payload);

    /// <summary>Whether two event lists are the same, element by element.</summary>
    /// <param name="actual">What was observed.</param>
    /// <param name="expected">What a behaviour expects.</param>
    /// <returns>True when equal.</returns>
    public static bool SameList(IReadOnlyList<CaseEvent> actual, IReadOnlyList<CaseEvent> expected)
    {
        if (actual.Count != expected.Count)
        {
            return false;
        }

        for (var i = 0; i < actual.Count; i++)
        {
            if (!actual[i].SameAs(expected[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A short description for reports (payloads shortened).</summary>
    /// <returns>E.g. <c>message(text, 13 B)</c>.</returns>
    public override string ToString() => Kind switch
    {
        "message" => $"message({(Binary ? "binary" : "text")}, {Payload.Length} B)",
        "timeout" => $"timeout({Label})",
        _ => $"{Kind}({Payload.Length} B)",
    };
}
