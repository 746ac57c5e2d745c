using Microsoft.AspNetCore.Http;
using WebSocketProxy.Model;
using WebSocketProxy.Security;

namespace WebSocketProxy.Admission;

/// <content>The gate for the HTTP half of a <c>ForwardHttp</c> route (negotiate, long polling).</content>
internal sealed partial class HandshakeGate
{
    /// <summary>
    /// Admits or rejects a forwarded HTTP request. The same route policy as the upgrade, except what belongs to a session:
    /// an <c>Origin</c> that is sent must be allowed (browsers omit it on same-origin GETs, so a missing one is not refused);
    /// the browser token is removed; identity headers are collected; no concurrent-session permit is taken and no message
    /// limiter is created (a short request must not hold a session's place).
    /// </summary>
    public HandshakeAdmission AdmitRequest(HttpContext context, AdmissionPolicy policy)
    {
        var security = policy.Security;
        if (context.Request.Headers.Origin.Count > 0 && !security.IsOriginAllowed(context.Request))
        {
            Log.OriginRejected(_logger, context.TraceIdentifier, policy.RouteId, context.Request.Headers.Origin.ToString());
            return HandshakeAdmission.Reject(StatusCodes.Status403Forbidden, RejectionReasons.OriginNotAllowed, "The Origin of this request may not use this route.", retryAfterSeconds: null);
        }

        WebSocketAccessToken.Strip(context, security);
        return new HandshakeAdmission(leases: null, messageLimits: null, IdentityHeaders.Collect(context.User, security), closeAt: null);
    }
}
