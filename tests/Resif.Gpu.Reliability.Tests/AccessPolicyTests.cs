using Resif.Gpu.Core;
using Resif.Gpu.Server.Security;

namespace Resif.Gpu.Reliability.Tests;

public class AccessPolicyTests
{
    private const string AliceToken = "alice-token-0123456789";

    private static readonly string File = $$"""
        {
          // comments are allowed: the file is written by hand
          "tokens": { "{{AliceToken}}": "alice", "sha256:{{AccessPolicy.Hash("bob-token-abcdefghijkl")}}": "bob" },
          "users": {
            "alice": { "public-*": ["read", "reduce"], "alice-?": ["read"] },
            "bob": { "*": ["admin"] }
          }
        }
        """;

    [Fact]
    public void TokensMapToUsersWithRightsPerPattern()
    {
        var policy = AccessPolicy.Parse(File);
        var alice = Assert.IsType<UserAccess>(policy.Authenticate(AliceToken));
        Assert.Equal("alice", alice.Name);
        Assert.Equal(ArrayRights.Read | ArrayRights.Reduce, alice.RightsOn("public-das"));
        Assert.Equal(ArrayRights.Read, alice.RightsOn("alice-1"));
        Assert.Equal(ArrayRights.None, alice.RightsOn("alice-12"));
        Assert.Equal(ArrayRights.None, alice.RightsOn("secret"));
        Assert.False(alice.IsAdministrator);

        // A hashed entry authenticates the clear token; admin on "*" implies every right everywhere.
        var bob = Assert.IsType<UserAccess>(policy.Authenticate("bob-token-abcdefghijkl"));
        Assert.Equal(ArrayRights.All, bob.RightsOn("anything"));
        Assert.True(bob.IsAdministrator);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("alice-token-012345678")]
    [InlineData("ALICE-TOKEN-0123456789")]
    public void UnknownTokensAuthenticateNobody(string? token) => Assert.Null(AccessPolicy.Parse(File).Authenticate(token));

    [Theory]
    [InlineData("*", "", true)]
    [InlineData("*", "abc", true)]
    [InlineData("a*c", "abbbc", true)]
    [InlineData("a*c", "abbbd", false)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "ac", false)]
    [InlineData("*-raw", "x-raw", true)]
    [InlineData("*-raw", "x-raw2", false)]
    [InlineData("exact", "exact", true)]
    [InlineData("exact", "exactly", false)]
    public void PatternsMatchWholeNames(string pattern, string name, bool expected) => Assert.Equal(expected, AccessPolicy.Matches(pattern, name));

    [Theory]
    [InlineData("not json", "tokens")]
    [InlineData("""{"tokens": {}}""", "tokens")]
    [InlineData("""{"tokens": {"short": "a"}, "users": {"a": {}}}""", "tokens.shor…")]
    [InlineData("""{"tokens": {"0123456789abcdefgh": "ghost"}, "users": {}}""", "tokens.0123…")]
    [InlineData("""{"tokens": {}, "users": {"a": {"*": ["write"]}}}""", "users.a.*")]
    [InlineData("""{"tokens": {}, "users": {"a": {"*": "read"}}}""", "users.a.*")]
    [InlineData("""{"tokens": {"sha256:abc": "a"}, "users": {"a": {}}}""", "tokens.sha256:abc")]
    public void BadFilesFailAtLoadNamingTheEntry(string json, string field)
    {
        var e = Assert.Throws<InvalidRequestException>(() => AccessPolicy.Parse(json));
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void ErrorsNeverQuoteAWholeToken()
    {
        const string secret = "0123456789abcdefgh-secret";
        var e = Assert.Throws<InvalidRequestException>(() => AccessPolicy.Parse($$"""{"tokens": {"{{secret}}": "ghost"}, "users": {} }"""));
        Assert.DoesNotContain(secret, e.Message);
    }
}
