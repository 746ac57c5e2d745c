using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Model;

namespace WebSocketProxy.Forwarding;

/// <summary>
/// Wraps the upgrade feature so the client's WebSocket runs over a <see cref="CoalescingStream"/> the proxy
/// holds: the backend→client pump gathers bursts of frames into one socket write, and after the WebSocket
/// itself failed the client with 1002 or 1007 the proxy lingers on the raw stream until the client closes it,
/// so the close frame is not destroyed by a TCP reset.
/// </summary>
internal sealed class UpgradeStreamCapture(IHttpUpgradeFeature inner, bool coalesce) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    /// <summary>Gets the client's transport: a <see cref="CoalescingStream"/> when <c>CoalesceWrites</c> is on, else the raw upgraded stream.</summary>
    public Stream? Stream { get; private set; }

    public async Task<Stream> UpgradeAsync()
    {
        var raw = await inner.UpgradeAsync();
        Stream = coalesce ? new CoalescingStream(raw) : raw;
        return Stream;
    }

    /// <summary>Installs the capture for upgradable requests; runs before the WebSockets middleware.</summary>
    public static Task InstallAsync(HttpContext context, RequestDelegate next)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is { IsUpgradableRequest: true } && upgrade is not UpgradeStreamCapture)
        {
            var coalesce = context.RequestServices.GetService<IProxyConfigSource>()?.Current.Options.CoalesceWrites ?? false;
            context.Features.Set<IHttpUpgradeFeature>(new UpgradeStreamCapture(upgrade, coalesce));
        }

        return next(context);
    }
}
