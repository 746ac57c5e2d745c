using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace WebSocketProxy.Forwarding;

/// <summary>
/// Wraps the upgrade feature so the client's WebSocket runs over a <see cref="CoalescingStream"/> the proxy
/// holds: the backend→client pump gathers bursts of frames into one socket write, and after the WebSocket
/// itself failed the client with 1002 or 1007 the proxy lingers on the raw stream until the client closes it,
/// so the close frame is not destroyed by a TCP reset.
/// </summary>
internal sealed class UpgradeStreamCapture(IHttpUpgradeFeature inner) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    public CoalescingStream? Stream { get; private set; }

    public async Task<Stream> UpgradeAsync()
    {
        var stream = new CoalescingStream(await inner.UpgradeAsync());
        Stream = stream;
        return stream;
    }

    /// <summary>Installs the capture for upgradable requests; runs before the WebSockets middleware.</summary>
    public static Task InstallAsync(HttpContext context, RequestDelegate next)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is { IsUpgradableRequest: true } && upgrade is not UpgradeStreamCapture)
        {
            context.Features.Set<IHttpUpgradeFeature>(new UpgradeStreamCapture(upgrade));
        }

        return next(context);
    }
}
