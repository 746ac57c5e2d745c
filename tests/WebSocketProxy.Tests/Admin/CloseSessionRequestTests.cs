using System.Net.WebSockets;
using FluentAssertions;
using WebSocketProxy.Admin;

namespace WebSocketProxy.Tests.Admin;

public sealed class CloseSessionRequestTests
{
    [Theory]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(1008)]
    [InlineData(1011)]
    [InlineData(1012)]
    [InlineData(1013)]
    [InlineData(1014)]
    [InlineData(3000)]
    [InlineData(4999)]
    public void Validate_SendableCode_NoError(int code)
    {
        new CloseSessionRequest(code, "why").Validate(out var status, out var reason).Should().BeNull();
        status.Should().Be((WebSocketCloseStatus)code);
        reason.Should().Be("why");
    }

    [Theory]
    [InlineData(999)]
    [InlineData(1004)]
    [InlineData(1005)]
    [InlineData(1006)]
    [InlineData(1015)]
    [InlineData(2999)]
    [InlineData(5000)]
    public void Validate_CodeNoCloseFrameMayCarry_Error(int code)
        => new CloseSessionRequest(code).Validate(out _, out _).Should().Contain(code.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Validate_Defaults_NormalClosureByAnOperator()
    {
        new CloseSessionRequest().Validate(out var status, out var reason).Should().BeNull();
        status.Should().Be(WebSocketCloseStatus.NormalClosure);
        reason.Should().Be(CloseSessionRequest.DefaultReason);
    }

    [Fact]
    public void Validate_ReasonOver123Utf8Bytes_Error()
    {
        new CloseSessionRequest(4000, new string('é', 62)).Validate(out _, out _).Should().Contain("123");
        new CloseSessionRequest(4000, new string('é', 61)).Validate(out _, out _).Should().BeNull();
    }
}
