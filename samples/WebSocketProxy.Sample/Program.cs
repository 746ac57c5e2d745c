using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Sample;
using WebSocketProxy.Security;

// The app's own folder is the content root, so `dotnet /path/to/WebSocketProxy.Sample.dll` finds appsettings.json
// and the page from any working directory. Outside Development the page comes from the build's static web assets
// manifest (`dotnet build` output) or from the published wwwroot folder.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
if (!builder.Environment.IsDevelopment())
{
    builder.WebHost.UseStaticWebAssets(); // Development does this by itself
}

// The built-in echo backend listens on Sample:EchoBackendUrl. With port 0 (the default) it takes a free port, so
// several instances can run at once, and the echo cluster is pointed at it; with a fixed port the cluster address
// in appsettings.json (or the command line) rules.
var echoUrl = builder.Configuration["Sample:EchoBackendUrl"] ?? "http://127.0.0.1:0";
var echo = await EchoBackend.StartAsync(echoUrl);
if (new Uri(echoUrl).Port == 0)
{
    var bound = new Uri(echo.Urls.First());
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["WebSocketProxy:Clusters:echo:Backends:main:Address"] = $"ws://127.0.0.1:{bound.Port}/ws",
    });
}

// The offline fake model behind /llm (OpenAI-compatible SSE); OPENAI_API_KEY switches the route to OpenAI.
var fakeLlm = await FakeLlmProvider.StartAndConfigureAsync(builder.Configuration);

var proxy = builder.Services.AddWebSocketProxy(builder.Configuration.GetSection("WebSocketProxy"))
    .AddLlm(); // LLM mode is opt-in: MapLlmWebSocket below needs it
if (!string.IsNullOrEmpty(builder.Configuration["WebSocketProxy:Redis:Configuration"]))
{
    // Scale-out: session limits, the session directory and the LLM cache shared by every instance through Redis.
    proxy.AddRedis();
}

// Observability: the proxy's meter and activity source (plus ASP.NET Core's), Prometheus at /metrics, and OTLP export
// when OTEL_EXPORTER_OTLP_ENDPOINT is set (endpoint, protocol, headers, OTEL_SERVICE_NAME… from the standard variables).
var telemetry = builder.Services.AddOpenTelemetry()
    .ConfigureResource(resource => resource.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? "websocketproxy-sample"))
    .WithMetrics(metrics => metrics
        .AddMeter(WebSocketProxyDiagnostics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
        .AddPrometheusExporter())
    .WithTracing(tracing => tracing.AddSource(WebSocketProxyDiagnostics.ActivitySourceName, "Microsoft.AspNetCore"));
if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
{
    telemetry.UseOtlpExporter();
}

builder.Services.AddOpenApi(); // documents the admin API at /openapi/v1.json

// Security (the "secure" route): JWT bearer from your identity provider (Sample:Jwt:Authority, Sample:Jwt:Audience)
// or an API key (Sample:ApiKeys:<key> = <user id>, e.g. from user-secrets). Browsers may pass either as ?access_token=.
builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
    .AddJwtBearer(options =>
    {
        builder.Configuration.GetSection("Sample:Jwt").Bind(options);
        options.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                context.Token ??= WebSocketAccessToken.Read(context.HttpContext);
                return Task.CompletedTask;
            },
        };
    });
proxy.AddApiKeyAuthentication(options =>
{
    foreach (var entry in builder.Configuration.GetSection("Sample:ApiKeys").GetChildren())
    {
        options.Keys[entry.Key] = entry.Value ?? entry.Key;
    }
});
// The admin API needs an admin: a JWT with the role "proxy-admin", or a user listed under Sample:Admins (e.g. an API key's user).
var admins = builder.Configuration.GetSection("Sample:Admins").Get<string[]>() ?? [];
builder.Services.AddAuthorization(options =>
{
    options.DefaultPolicy = new AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme, ApiKeyAuthenticationDefaults.AuthenticationScheme)
        .RequireAuthenticatedUser()
        .Build();
    options.AddPolicy("proxy-admin", policy => policy
        .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme, ApiKeyAuthenticationDefaults.AuthenticationScheme)
        .RequireAuthenticatedUser()
        .RequireAssertion(context => context.User.IsInRole("proxy-admin") || admins.Contains(context.User.FindFirst("sub")?.Value, StringComparer.Ordinal)));
});
proxy.AddHandshakeRateLimiterPolicies(options => options.PerIpPermitLimit = 120);

var app = builder.Build();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseRateLimiter();
app.MapWebSocketProxy();
app.MapLlmWebSocket("/llm", llm => llm.UseRoute("sample"));
app.MapWebSocketProxyHealthChecks(); // /healthz (liveness) and /readyz (readiness: unready while draining or a cluster has no healthy backend)
app.MapWebSocketProxyAdmin("/_proxy").RequireAuthorization("proxy-admin");
app.MapWebSocketProxyStatusFeed("/status/live"); // the home page's live view: no users or client addresses in it
app.MapPrometheusScrapingEndpoint(); // /metrics
app.MapOpenApi();

app.Lifetime.ApplicationStopped.Register(() => echo.StopAsync().GetAwaiter().GetResult());
app.Lifetime.ApplicationStopped.Register(() => fakeLlm.StopAsync().GetAwaiter().GetResult());
await app.RunAsync();
await echo.DisposeAsync();
await fakeLlm.DisposeAsync();

/// <summary>The sample gateway's entry point (public for WebApplicationFactory).</summary>
public partial class Program;
