using FluentAssertions;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Model;

namespace WebSocketProxy.Tests.Messages;

public sealed class SubprotocolMappingTests
{
    private static RouteModel Route(Dictionary<string, string>? map)
    {
        var context = new RouteValidationContext("r", new RouteConfig { Path = "/ws", Cluster = "c", SubprotocolMap = map }, "WebSocketProxy:Routes:r", []);
        new SubprotocolRouteValidator().Validate(context);
        context.Errors.Should().BeEmpty();
        return new RouteModel("r", context.Config, Microsoft.AspNetCore.Routing.Patterns.RoutePatternFactory.Parse("/ws"), new FeatureSet(context.Features));
    }

    [Fact]
    public void Mapped_OfferedTranslated_AnswerTranslatedBack()
    {
        var route = Route(new Dictionary<string, string> { ["sensor.binary.v1"] = "sensor.json.v1", ["legacy"] = "chat.v2" });

        SubprotocolMapping.ToBackend(route, ["sensor.binary.v1", "other", "legacy", "chat.v2"]).Should().Equal("sensor.json.v1", "other", "chat.v2");
        SubprotocolMapping.ToClient(route, "sensor.json.v1", ["sensor.binary.v1", "other"]).Should().Be("sensor.binary.v1");
        SubprotocolMapping.ToClient(route, "chat.v2", ["chat.v2", "legacy"]).Should().Be("chat.v2", "the client's own name wins when it offered both");
        SubprotocolMapping.ToClient(route, "chat.v2", ["legacy"]).Should().Be("legacy");
        SubprotocolMapping.ToClient(route, "other", ["sensor.binary.v1", "other"]).Should().Be("other");
        SubprotocolMapping.ToClient(route, null, ["sensor.binary.v1"]).Should().BeNull();
    }

    [Fact]
    public void NoMap_OfferedAsIs_SameList()
    {
        var route = Route(null);
        IList<string> offered = ["a", "b"];

        SubprotocolMapping.ToBackend(route, offered).Should().BeSameAs(offered);
        SubprotocolMapping.ToClient(route, "b", offered).Should().Be("b");
    }

    [Fact]
    public void InvalidNames_ReportedByKey()
    {
        var context = new RouteValidationContext("r", new RouteConfig { SubprotocolMap = new Dictionary<string, string> { ["bad name"] = "x", ["ok"] = "bad,value" } }, "WebSocketProxy:Routes:r", []);

        new SubprotocolRouteValidator().Validate(context);

        context.Errors.Should().BeEquivalentTo(
            "WebSocketProxy:Routes:r:SubprotocolMap:bad name is not a valid subprotocol name (an HTTP token: letters, digits and !#$%&'*+-.^_`|~).",
            "WebSocketProxy:Routes:r:SubprotocolMap:ok maps to 'bad,value', which is not a valid subprotocol name (an HTTP token).");
        context.Features.Should().BeEmpty();
    }
}
