using WebSocketProxy.Model;
using FluentAssertions;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.Configuration;
using WebSocketProxy.Messages;
using WebSocketProxy.Security;

namespace WebSocketProxy.Tests.Security;

public sealed class RouteSecurityPolicyTests
{
    private static HttpRequest Request(string host, string? origin)
    {
        var context = new DefaultHttpContext();
        context.Request.Host = new HostString(host);
        if (origin is not null)
        {
            context.Request.Headers.Origin = origin;
        }

        return context.Request;
    }

    [Theory]
    [InlineData("gw.example.com", "https://gw.example.com", true)]
    [InlineData("gw.example.com:8443", "https://gw.example.com:8443", true)]
    [InlineData("gw.example.com", "https://app.example.com", true)]
    [InlineData("gw.example.com", "https://gw.example.com:444", true)]
    [InlineData("gw.example.com", "null", true)]
    [InlineData("gw.example.com", "https://gw.example.com/path", true)]
    [InlineData("gw.example.com", null, true)]
    public void IsOriginAllowed_NoList_AnyOrigin(string host, string? origin, bool allowed)
        => RouteSecurityPolicy.Create(new RouteConfig()).IsOriginAllowed(Request(host, origin)).Should().Be(allowed);

    [Theory]
    [InlineData("https://app.example.com", true)]
    [InlineData("https://APP.example.com:443", true)]
    [InlineData("http://app.example.com", false)]
    [InlineData("https://gw.example.com", false)]
    [InlineData(null, false)]
    public void IsOriginAllowed_AllowList(string? origin, bool allowed)
        => RouteSecurityPolicy.Create(new RouteConfig { AllowedOrigins = ["https://app.example.com"] }).IsOriginAllowed(Request("gw.example.com", origin)).Should().Be(allowed);

    [Fact]
    public void Validators_BadSettings_AllReportedWithTheirKeys()
    {
        var errors = new List<string>();
        var context = new RouteValidationContext(
            "r",
            new RouteConfig
            {
                AllowedOrigins = ["app.example.com"],
                IdentityHeaders = new Dictionary<string, string> { ["Sec-WebSocket-Key"] = "sub", ["X-Ok"] = "" },
                MessageRateLimit = new MessageRateLimitConfig { Burst = 0 },
                MaxClientMessageBytes = 0,
                ConcurrentConnections = new ConcurrentConnectionLimitConfig { PerIp = -1 },
            },
            "R",
            errors);

        new WebSocketProxy.Admission.AdmissionRouteValidator(Microsoft.Extensions.Logging.Abstractions.NullLogger<WebSocketProxy.Admission.AdmissionRouteValidator>.Instance).Validate(context);
        new WebSocketProxy.Forwarding.SessionRouteValidator().Validate(context);

        context.Features.Should().BeEmpty("a route with errors gets no compiled policy");

        errors.Should().Contain("R:AllowedOrigins:0 'app.example.com' is not an origin: use scheme://host[:port] or *.");
        errors.Should().Contain("R:IdentityHeaders 'Sec-WebSocket-Key' is a handshake header and cannot carry identity.");
        errors.Should().Contain("R:IdentityHeaders:X-Ok must name a claim type.");
        errors.Should().Contain("R:MessageRateLimit needs PermitsPerSecond, BytesPerSecond or both.");
        errors.Should().Contain("R:MessageRateLimit:Burst must be positive.");
        errors.Should().Contain("R:MaxClientMessageBytes must be positive.");
        errors.Should().Contain("R:ConcurrentConnections limits must be positive (PerIp: 0 turns the default per-IP limit off).");
    }

    [Theory]
    [InlineData("{}", true)]
    [InlineData(" [1, 2, {\"a\": null}] ", true)]
    [InlineData("\"text\"", true)]
    [InlineData("{", false)]
    [InlineData("{} {}", false)]
    [InlineData("", false)]
    [InlineData("nul", false)]
    public void IsJson(string payload, bool valid)
        => MessageValidationTransformer.IsJson(System.Text.Encoding.UTF8.GetBytes(payload)).Should().Be(valid);

    [Fact]
    public void Create_BadSchemaAndPatterns_Reported()
    {
        var errors = new List<string>();
        MessageValidationTransformer.Create(new MessageValidationConfig { JsonSchema = "{ not json", DenyPatterns = ["(a)\\1"] }, "V", errors).Should().BeNull();
        errors.Should().HaveCount(2);
        errors.Should().Contain(e => e.StartsWith("V:JsonSchema is not a valid JSON Schema", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("V:DenyPatterns:0 is not a supported pattern", StringComparison.Ordinal));
    }
}
