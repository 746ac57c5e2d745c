using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
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

var proxy = builder.Services.AddWebSocketProxy(builder.Configuration.GetSection("WebSocketProxy"));
if (!string.IsNullOrEmpty(builder.Configuration["WebSocketProxy:Redis:Configuration"]))
{
    // Scale-out: session limits, the session directory and the LLM cache shared by every instance through Redis.
    proxy.AddRedis();
}

builder.Services.AddHealthChecks().AddWebSocketProxyBackendAvailability(tags: ["ready"]); // ready = every cluster has a healthy backend

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
builder.Services.AddAuthorization(options => options.DefaultPolicy =
    new AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme, ApiKeyAuthenticationDefaults.AuthenticationScheme)
        .RequireAuthenticatedUser()
        .Build());
proxy.AddHandshakeRateLimiterPolicies(options => options.PerIpPermitLimit = 120);

var app = builder.Build();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseRateLimiter();
app.MapWebSocketProxy();
app.MapLlmWebSocket("/llm", llm => llm.UseRoute("sample"));
app.MapGet("/healthz", () => Results.Text("ok"));
app.MapHealthChecks("/readyz");

app.Lifetime.ApplicationStopped.Register(() => echo.StopAsync().GetAwaiter().GetResult());
app.Lifetime.ApplicationStopped.Register(() => fakeLlm.StopAsync().GetAwaiter().GetResult());
await app.RunAsync();
await echo.DisposeAsync();
await fakeLlm.DisposeAsync();

/// <summary>The sample gateway's entry point (public for WebApplicationFactory).</summary>
public partial class Program;
