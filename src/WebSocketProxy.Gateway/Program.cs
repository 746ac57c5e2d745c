using OpenTelemetry.Metrics;
using WebSocketProxy.Gateway;

if (args.Length > 0 && args[0] == HealthProbe.Argument)
{
    return await HealthProbe.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
GatewayHostConfiguration.AddMountedFiles(builder.Configuration, args);
builder.WebHost.UseSockets(options => options.UnsafePreferInlineScheduling = GatewayScheduling.Inline);

var gatewaySection = builder.Configuration.GetSection(GatewayOptions.SectionName);
var gateway = gatewaySection.Get<GatewayOptions>() ?? new GatewayOptions();
builder.Services.Configure<GatewayOptions>(gatewaySection);
builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = GatewayHostConfiguration.ShutdownTimeout(builder.Configuration, gateway));

builder.Services.AddWebSocketProxy(builder.Configuration.GetSection("WebSocketProxy"))
    .AddLlm(); // LLM mode is opt-in; MapLlmWebSocket below needs it when LlmPath is set

// After the proxy: the host stops services in reverse order, so the gate's delay runs before the proxy's drain.
builder.Services.AddSingleton<ShutdownGate>();
builder.Services.AddHostedService(static services => services.GetRequiredService<ShutdownGate>());

if (builder.Configuration.GetConnectionString("Redis") is { Length: > 0 } redis)
{
    // The LLM response cache (HybridCache) uses a registered distributed cache as its shared second level.
    builder.Services.AddStackExchangeRedisCache(options =>
    {
        options.Configuration = redis;
        options.InstanceName = "websocketproxy:";
    });
}

if (gateway.MetricsEnabled)
{
    builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
        .AddMeter("WebSocketProxy", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime")
        .AddPrometheusExporter());
}

var app = builder.Build();
if (GatewayScheduling.Inline)
{
    app.Logger.LogInformation("Socket completions and the Kestrel pipes run inline on {Threads} socket event threads ({Variable}=1).", Environment.ProcessorCount, GatewayScheduling.InlineCompletionsVariable);
}

var gate = app.Services.GetRequiredService<ShutdownGate>();
app.Use(gate.InvokeAsync); // unready and 503 to new upgrades from SIGTERM on, through Gateway:ShutdownDelay

// The library's probes: liveness stays 200 through the drain; readiness is 503 from the drain on, or while a cluster has no healthy backend.
app.MapWebSocketProxyHealthChecks(GatewayEndpoints.Liveness, GatewayEndpoints.Readiness);
if (gateway.MetricsEnabled)
{
    app.MapPrometheusScrapingEndpoint(GatewayEndpoints.Metrics);
}

if (!string.IsNullOrWhiteSpace(gateway.EchoPath))
{
    // The catch-all matches the path itself too, and whatever a proxy route appends to a backend address.
    app.Map(gateway.EchoPath.TrimEnd('/') + "/{**rest}", EchoEndpoint.HandleAsync);
}

app.MapWebSocketProxy();
if (!string.IsNullOrWhiteSpace(gateway.LlmPath))
{
    var llmRoute = gateway.LlmRoute;
    app.MapLlmWebSocket(gateway.LlmPath, llm =>
    {
        if (!string.IsNullOrWhiteSpace(llmRoute))
        {
            llm.UseRoute(llmRoute);
        }
    });
}

await app.RunAsync();
return 0;
