namespace WebSocketProxy.Admin;

/// <summary>The answer to closing every session of a user (JSON).</summary>
/// <param name="User">The user id.</param>
/// <param name="Closed">How many sessions were asked to close.</param>
/// <param name="Sessions">Their ids.</param>
internal sealed record CloseResult(string User, int Closed, IReadOnlyList<string> Sessions);
