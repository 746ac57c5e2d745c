using System.Text;
using FluentAssertions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Messages;
using WebSocketProxy.Model;
using WebSocketProxy.Transformers;

namespace WebSocketProxy.Tests.Transformers;

public sealed class JsonRedactorTests
{
    internal static MessageTransformContext Context(MessageDirection direction = MessageDirection.ClientToBackend)
    {
        var route = new RouteModel("r", new RouteConfig { Path = "/ws", Cluster = "c" }, RoutePatternFactory.Parse("/ws"), FeatureSet.Empty);
        var cluster = Backends.BackendTestContext.Cluster([Backends.BackendTestContext.Backend("b", "ws://backend/ws")], new RoundRobinPolicy());
        return new MessageTransformContext(new ProxyConnectionContext(new DefaultHttpContext(), route, cluster), direction);
    }

    private static string Redact(string json, params string[] paths)
    {
        var redactor = new JsonRedactor(paths, "***");
        var outcome = redactor.Redact(Encoding.UTF8.GetBytes(json), Context(), out var output);
        return outcome switch
        {
            RedactionOutcome.Redacted => Encoding.UTF8.GetString(output!.WrittenSpan),
            RedactionOutcome.Unchanged => json,
            _ => "<not json>",
        };
    }

    [Theory]
    [InlineData("""{"card":{"number":"4111","cvc":1},"number":5}""", "$.card.number", """{"card":{"number":"***","cvc":1},"number":5}""")]
    [InlineData("""{"a":{"password":"x","b":[{"password":{"deep":1}}]},"password":null}""", "$..password", """{"a":{"password":"***","b":[{"password":"***"}]},"password":"***"}""")]
    [InlineData("""{"items":[{"token":"t1","id":1},{"token":"t2"}]}""", "$.items[*].token", """{"items":[{"token":"***","id":1},{"token":"***"}]}""")]
    [InlineData("""{"items":[{"token":"t1"},{"token":"t2"}]}""", "$.items[1].token", """{"items":[{"token":"t1"},{"token":"***"}]}""")]
    [InlineData("""{"odd key":{"x":1}}""", "$['odd key']", """{"odd key":"***"}""")]
    [InlineData("""{"user":{"name":"a","mail":"b"}}""", "$.user.*", """{"user":{"name":"***","mail":"***"}}""")]
    [InlineData("""[{"password":"x"}]""", "$[0].password", """[{"password":"***"}]""")]
    [InlineData("""{ "card" : { "number" : 4111 } ,"n":1.50e3 }""", "$.card.number", """{ "card" : { "number" : "***" } ,"n":1.50e3 }""")]
    [InlineData("""{"pass\u0077ord":"x"}""", "$..password", """{"pass\u0077ord":"***"}""")]
    public void Redact_SelectedValuesMasked_EverythingElseByteForByte(string json, string path, string expected)
        => Redact(json, path).Should().Be(expected);

    [Fact]
    public void Redact_SeveralPaths_AllApplied()
        => Redact("""{"card":{"number":"1"},"login":{"password":"p"}}""", "$.card.number", "$..password")
            .Should().Be("""{"card":{"number":"***"},"login":{"password":"***"}}""");

    [Fact]
    public void Redact_NothingSelected_UnchangedWithoutACopy()
    {
        var redactor = new JsonRedactor(["$.secret"], "***");

        redactor.Redact("""{"public":1}"""u8, Context(), out var output).Should().Be(RedactionOutcome.Unchanged);
        output.Should().BeNull();
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"a":1} trailing""")]
    [InlineData("")]
    public void Redact_NotJson_Reported(string payload) => Redact(payload, "$.a").Should().Be("<not json>");

    [Theory]
    [InlineData("card.number", "must start with '$'")]
    [InlineData("$", "selects the whole message")]
    [InlineData("$.a[?(@.x)]", "is not supported")]
    [InlineData("$.a[1", "'[' is not closed")]
    [InlineData("$.", "a name is missing")]
    public void Parse_Unsupported_ExplainsWhy(string path, string problem)
        => FluentActions.Invoking(() => JsonPath.Parse(path)).Should().Throw<FormatException>().WithMessage($"*{problem}*");
}
