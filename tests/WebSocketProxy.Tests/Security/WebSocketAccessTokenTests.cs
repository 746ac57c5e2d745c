using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using WebSocketProxy.Configuration;
using WebSocketProxy.Model;
using WebSocketProxy.Routing;
using WebSocketProxy.Security;

namespace WebSocketProxy.Tests.Security;

public sealed class WebSocketAccessTokenTests
{
    private static (DefaultHttpContext Context, RouteSecurityPolicy Policy) Handshake(AccessTokenConfig accessToken, string query, string? protocols)
    {
        var config = new RouteConfig { Path = "/ws", Cluster = "c", AccessToken = accessToken };
        var policy = RouteSecurityPolicy.Create(config);
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpWebSocketFeature>(new UpgradeFeature());
        context.Request.QueryString = new QueryString(query);
        if (protocols is not null)
        {
            context.Request.Headers.SecWebSocketProtocol = protocols;
        }

        context.SetEndpoint(new Endpoint(_ => Task.CompletedTask, new EndpointMetadataCollection(policy), "r"));
        return (context, policy);
    }

    [Fact]
    public void Query_ReadThenStripped_OtherParametersKept()
    {
        var (context, policy) = Handshake(new AccessTokenConfig { FromQuery = true }, "?a=b%20c&access_token=t0k.en&z=1", null);

        WebSocketAccessToken.Read(context).Should().Be("t0k.en");
        WebSocketAccessToken.Strip(context, policy);

        context.Request.QueryString.Value.Should().Be("?a=b%20c&z=1");
        WebSocketAccessToken.Read(context).Should().BeNull();
    }

    [Fact]
    public void SubProtocol_ReadThenStripped_RealProtocolsKept()
    {
        var (context, policy) = Handshake(new AccessTokenConfig { FromSubProtocol = true }, "", "chat.v1, access_token.abc.def, chat.v2");

        WebSocketAccessToken.Read(context).Should().Be("abc.def");
        WebSocketAccessToken.Strip(context, policy);

        context.Request.Headers.SecWebSocketProtocol.ToString().Should().Be("chat.v1, chat.v2");
    }

    [Fact]
    public void NotOptedIn_NothingReadNothingStripped()
    {
        var (context, policy) = Handshake(new AccessTokenConfig(), "?access_token=x", "access_token.y");

        WebSocketAccessToken.Read(context).Should().BeNull();
        WebSocketAccessToken.Strip(context, policy);

        context.Request.QueryString.Value.Should().Be("?access_token=x");
        context.Request.Headers.SecWebSocketProtocol.ToString().Should().Be("access_token.y");
    }

    private sealed class UpgradeFeature : IHttpWebSocketFeature
    {
        public bool IsWebSocketRequest => true;

        public Task<System.Net.WebSockets.WebSocket> AcceptAsync(WebSocketAcceptContext context) => throw new NotSupportedException();
    }
}
