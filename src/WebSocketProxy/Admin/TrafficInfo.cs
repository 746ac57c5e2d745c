using WebSocketProxy.Model;

namespace WebSocketProxy.Admin;

/// <summary>Messages and payload bytes forwarded in one direction (JSON).</summary>
/// <param name="Messages">Whole messages forwarded.</param>
/// <param name="Bytes">Their payload bytes.</param>
internal sealed record TrafficInfo(long Messages, long Bytes)
{
    public static TrafficInfo From(SessionTraffic traffic) => new(traffic.Messages, traffic.Bytes);
}
