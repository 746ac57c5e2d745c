using WebSocketProxy.Model;

namespace WebSocketProxy.Llm;

/// <summary>The snapshot an LLM socket (chat or Realtime) reports to the session registry: who it is and when it started.</summary>
/// <remarks>Fixed at the start: LLM traffic is in the usage records, not in the proxy's message counters.</remarks>
internal static class LlmSessionSnapshot
{
    public static SessionSnapshot Create(ProxyConnectionContext connection, TimeProvider time)
    {
        var http = connection.HttpContext;
        return new SessionSnapshot
        {
            ConnectionId = connection.ConnectionId,
            RouteId = connection.RouteId,
            ClusterId = connection.ClusterId,
            User = http.User.Identity?.IsAuthenticated == true ? http.User.Identity.Name : null,
            RemoteAddress = http.Connection.RemoteIpAddress?.ToString(),
            StartedAt = time.GetUtcNow(),
        };
    }
}
