using System.Net.WebSockets;
using System.Security.Claims;
using System.Text.Encodings.Web;
using FluentAssertions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WebSocketProxy.Configuration;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.Messages;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Routing;

public sealed class CodeRouteTests
{
    [Fact]
    public async Task MapInCode_ToBackends_ForwardsAndKeepsCatchAll()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(_ => { }, map: app => app.MapWebSocketProxy("/code/{**rest}", r => r.ToBackends(backend.WsUri("/base").ToString()).WithMaxMessageBytes(10)));
        using var client = await Ws.ConnectAsync(gateway.Ws("/code/x/y"), ct);

        await client.SendTextAsync("0123456789", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("0123456789");
        await client.SendTextAsync("01234567890", ct);
        (await client.ReceiveMessageAsync(ct)).CloseStatus.Should().Be(WebSocketCloseStatus.MessageTooBig);
        backend.Handshakes.Single().Path.Should().Be("/base/x/y");
    }

    [Fact]
    public async Task MapInCode_RequireAuthorization_Unauthenticated401NeverReachesBackend()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(
            _ => { },
            services: s =>
            {
                s.AddAuthentication("test").AddScheme<AuthenticationSchemeOptions, HeaderAuthHandler>("test", null);
                s.AddAuthorization();
            },
            map: app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapWebSocketProxy("/secure", r => r.ToBackends(backend.WsUri().ToString())).RequireAuthorization();
            });

        var (anonymous, _) = await Ws.TryConnectAsync(gateway.Ws("/secure"), ct);
        var (authenticated, _) = await Ws.TryConnectAsync(gateway.Ws("/secure"), ct, o => o.SetRequestHeader("X-Test-User", "alice"));

        anonymous.Should().Be(401);
        authenticated.Should().Be(101);
        backend.Handshakes.Should().HaveCount(1);
    }

    [Fact]
    public async Task MapInCode_UnknownCluster_ThrowsAtMapTime()
    {
        var map = async () => await TestGateway.StartAsync(_ => { }, map: app => app.MapWebSocketProxy("/x", r => r.ToCluster("nope")));

        (await map.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*unknown cluster 'nope'*");
    }

    [Fact]
    public async Task Transformers_ForwardChangedDropReplyClose_AppliedInOrder()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(
            _ => { },
            services: s => s.AddWebSocketProxy().AddMessageTransformer<UpperCaseTransformer>("upper").AddMessageTransformer<CommandTransformer>("commands"),
            map: app => app.MapWebSocketProxy("/t", r => r.ToBackends(backend.WsUri().ToString()).WithTransformer("commands").WithTransformer("upper")));
        using var client = await Ws.ConnectAsync(gateway.Ws("/t"), ct);

        await client.SendTextAsync("drop", ct);
        await client.SendTextAsync("ping", ct);
        await client.SendTextAsync("hello", ct);

        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("pong", "the reply goes straight back to the sender");
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("HELLO", "client→backend upper-cased, echoed, and upper-cased again on the way back");
        backend.Handshakes.Should().HaveCount(1);

        await client.SendTextAsync("close", ct);
        var close = await client.ReceiveMessageAsync(ct);
        close.CloseStatus.Should().Be(WebSocketCloseStatus.PolicyViolation);
        close.CloseDescription.Should().Be("forbidden command");
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
    }

    private sealed class UpperCaseTransformer : IMessageTransformer
    {
        public ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken)
        {
            if (context.MessageType != WebSocketMessageType.Text)
            {
                return ValueTask.FromResult(MessageTransformResult.Forward());
            }

            var upper = System.Text.Encoding.UTF8.GetString(context.Payload.Span).ToUpperInvariant();
            return ValueTask.FromResult(MessageTransformResult.Forward(System.Text.Encoding.UTF8.GetBytes(upper)));
        }
    }

    private sealed class CommandTransformer : IMessageTransformer
    {
        public ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken)
        {
            if (context.Direction != MessageDirection.ClientToBackend)
            {
                return ValueTask.FromResult(MessageTransformResult.Forward());
            }

            return System.Text.Encoding.UTF8.GetString(context.Payload.Span) switch
            {
                "drop" => ValueTask.FromResult(MessageTransformResult.Drop()),
                "ping" => ValueTask.FromResult(MessageTransformResult.Reply("pong"u8.ToArray())),
                "close" => ValueTask.FromResult(MessageTransformResult.Close(WebSocketCloseStatus.PolicyViolation, "forbidden command")),
                _ => ValueTask.FromResult(MessageTransformResult.Forward()),
            };
        }
    }

    private sealed class HeaderAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue("X-Test-User", out var user))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user.ToString())], "test");
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "test")));
        }
    }
}
