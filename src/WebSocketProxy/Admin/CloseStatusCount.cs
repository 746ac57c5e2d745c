namespace WebSocketProxy.Admin;

/// <summary>How many session legs ended with one close status (JSON).</summary>
/// <param name="Side"><c>client</c> or <c>backend</c>.</param>
/// <param name="Status">The close status; 1006 when the leg vanished without a close handshake.</param>
/// <param name="Count">The number of legs.</param>
internal sealed record CloseStatusCount(string Side, int Status, long Count);
