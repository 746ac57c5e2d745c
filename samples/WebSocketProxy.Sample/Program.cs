using WebSocketProxy.Sample;

var builder = WebApplication.CreateBuilder(args);

// The built-in echo backend listens on Sample:EchoBackendUrl. With port 0 it takes a free port and the
// echo cluster is pointed at it; otherwise the cluster address in appsettings.json (or the command line) rules.
var echoUrl = builder.Configuration["Sample:EchoBackendUrl"] ?? "http://127.0.0.1:5101";
var echo = await EchoBackend.StartAsync(echoUrl);
if (new Uri(echoUrl).Port == 0)
{
    var bound = new Uri(echo.Urls.First());
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["WebSocketProxy:Clusters:echo:Backends:main:Address"] = $"ws://127.0.0.1:{bound.Port}/ws",
    });
}

builder.Services.AddWebSocketProxy(builder.Configuration.GetSection("WebSocketProxy"));
builder.Services.AddHealthChecks().AddWebSocketProxyBackends(tags: ["ready"]); // ready = every cluster has a healthy backend

var app = builder.Build();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapWebSocketProxy();
app.MapGet("/healthz", () => Results.Text("ok"));
app.MapHealthChecks("/readyz");

app.Lifetime.ApplicationStopped.Register(() => echo.StopAsync().GetAwaiter().GetResult());
await app.RunAsync();
await echo.DisposeAsync();

/// <summary>The sample gateway's entry point (public for WebApplicationFactory).</summary>
public partial class Program;
