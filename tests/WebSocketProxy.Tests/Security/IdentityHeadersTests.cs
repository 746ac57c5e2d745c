using System.Security.Claims;
using FluentAssertions;
using WebSocketProxy.Security;

namespace WebSocketProxy.Tests.Security;

public sealed class IdentityHeadersTests
{
    [Fact]
    public void Collect_JoinsValuesAndFollowsAliases()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, "alice"), new Claim(ClaimTypes.Role, "reader"), new Claim(ClaimTypes.Role, "writer")],
            "test"));

        IdentityHeaders.Collect(user, "sub").Should().Be("alice");
        IdentityHeaders.Collect(user, "role").Should().Be("reader,writer");
        IdentityHeaders.Collect(user, "email").Should().BeNull();
    }

    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("evil\r\nX-Admin: true", "evil%0D%0AX-Admin%3A%20true")]
    [InlineData("a,b", "a%2Cb")]
    [InlineData("zoë", "zo%C3%AB")]
    public void Sanitize_NeverLetsAValueBreakTheHeader(string value, string expected)
        => IdentityHeaders.Sanitize(value).Should().Be(expected);
}
