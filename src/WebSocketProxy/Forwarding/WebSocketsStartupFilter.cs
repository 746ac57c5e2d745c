using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace WebSocketProxy.Forwarding;

/// <summary>Puts the WebSockets middleware at the start of the pipeline, so proxy routes work without <c>UseWebSockets()</c>.</summary>
internal sealed class WebSocketsStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(UpgradeStreamCapture.InstallAsync);
        app.UseWebSockets();
        next(app);
    };
}
