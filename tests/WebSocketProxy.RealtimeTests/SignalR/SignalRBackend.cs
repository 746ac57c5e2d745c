using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WebSocketProxy.RealtimeTests.SignalR;

/// <summary>An ASP.NET Core SignalR backend on 127.0.0.1:0 with <see cref="RealtimeHub"/> at <c>/hub</c>; records every request it gets.</summary>
internal sealed class SignalRBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SignalRBackplane _backplane;
    private int _stopped;

    private SignalRBackend(string name, WebApplication app, SignalRBackplane backplane, ConcurrentQueue<string> requests)
    {
        Name = name;
        _app = app;
        _backplane = backplane;
        Requests = requests;
        Port = new Uri(app.Urls.First()).Port;
    }

    public string Name { get; }

    public int Port { get; }

    /// <summary>Every request the backend received: method, path and query (WebSocket upgrades marked).</summary>
    public ConcurrentQueue<string> Requests { get; }

    /// <summary>The hub's address as a cluster backend address.</summary>
    public Uri HubAddress => new($"ws://127.0.0.1:{Port}/hub");

    public static async Task<SignalRBackend> StartAsync(string name, SignalRBackplane backplane, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSignalR(options => options.HandshakeTimeout = SignalRCluster.SlowMachineTimeout);
        builder.Services.AddSingleton(new BackendName(name));
        builder.Services.AddSingleton(backplane);
        var app = builder.Build();
        var requests = new ConcurrentQueue<string>();
        app.UseWebSockets();
        app.Use((context, next) =>
        {
            var upgrade = context.WebSockets.IsWebSocketRequest ? " (websocket)" : string.Empty;
            requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}{upgrade}");
            return next(context);
        });
        app.MapHub<RealtimeHub>("/hub");
        await app.StartAsync(cancellationToken);
        backplane.Register(name, app.Services.GetRequiredService<IHubContext<RealtimeHub>>());
        return new SignalRBackend(name, app, backplane, requests);
    }

    /// <summary>The backend dies: it leaves the backplane and its server stops, closing every connection it holds.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        _backplane.Unregister(Name);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
