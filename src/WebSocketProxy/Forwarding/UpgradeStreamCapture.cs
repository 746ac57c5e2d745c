using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Model;

namespace WebSocketProxy.Forwarding;

/// <summary>
/// Wraps the upgrade feature so the client's WebSocket runs over a transport the proxy holds: a
/// <see cref="ClientFrameInspector"/> that enforces the route's frame limits and sees the client's close frame, and,
/// with <c>CoalesceWrites</c>, a <see cref="CoalescingStream"/> that gathers bursts of frames into one socket write.
/// After the WebSocket itself failed the client with 1002 or 1007 the proxy lingers on the raw stream until the
/// client's close frame arrives, so the close frame is not destroyed by a TCP reset.
/// </summary>
internal sealed class UpgradeStreamCapture(IHttpUpgradeFeature inner, bool coalesce, bool relay, TimeProvider timeProvider) : IHttpUpgradeFeature
{
    private int _maxFramesPerMessage = int.MaxValue;
    private int _maxControlFramesPerSecond = int.MaxValue;

    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    /// <summary>Gets the client's transport: a <see cref="CoalescingStream"/> when <c>CoalesceWrites</c> is on, else the inspector.</summary>
    public Stream? Stream { get; private set; }

    /// <summary>Gets the frame relay the client's WebSocket runs over, once upgraded; null when <c>RelayFrames</c> is off.</summary>
    public FrameRelayStream? Relay { get; private set; }

    /// <summary>Gets the frame inspector under the client's WebSocket, once upgraded.</summary>
    public ClientFrameInspector? Inspector { get; private set; }

    /// <summary>Sets the route's frame limits; called by the handler before it accepts the client.</summary>
    public void SetLimits(int maxFramesPerMessage, int maxControlFramesPerSecond)
    {
        _maxFramesPerMessage = maxFramesPerMessage;
        _maxControlFramesPerSecond = maxControlFramesPerSecond;
    }

    public async Task<Stream> UpgradeAsync()
    {
        var raw = await inner.UpgradeAsync();
        var inspector = new ClientFrameInspector(raw, timeProvider);
        if (_maxFramesPerMessage != int.MaxValue || _maxControlFramesPerSecond != int.MaxValue)
        {
            inspector.SetLimits(_maxFramesPerMessage, _maxControlFramesPerSecond);
        }

        Inspector = inspector;
        Stream = coalesce ? new CoalescingStream(inspector) : inspector;
        if (!relay)
        {
            return Stream;
        }

        Relay = new FrameRelayStream(Stream, receivesMaskedFrames: true);
        return Relay;
    }

    /// <summary>Installs the capture for upgradable requests; runs before the WebSockets middleware.</summary>
    public static Task InstallAsync(HttpContext context, RequestDelegate next)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is { IsUpgradableRequest: true } && upgrade is not UpgradeStreamCapture)
        {
            var services = context.RequestServices;
            var options = services.GetService<IProxyConfigSource>()?.Current.Options;
            context.Features.Set<IHttpUpgradeFeature>(new UpgradeStreamCapture(upgrade, options?.CoalesceWrites ?? false, options?.RelayFrames ?? WebSocketProxyOptions.DefaultRelayFrames, services.GetService<TimeProvider>() ?? TimeProvider.System));
        }

        return next(context);
    }
}
