using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Resif.Gpu.Core;

namespace Resif.Gpu.Server.Security;

/// <summary>An authenticated caller and its rights per array-name pattern.</summary>
public sealed class UserAccess(string name, IReadOnlyList<(string Pattern, ArrayRights Rights)> grants)
{
    public string Name { get; } = name;

    /// <summary>Union of the rights of every pattern the name matches; admin implies all rights.</summary>
    public ArrayRights RightsOn(string array)
    {
        var rights = ArrayRights.None;
        foreach (var (pattern, granted) in grants)
            if (AccessPolicy.Matches(pattern, array)) rights |= granted;
        return rights.HasFlag(ArrayRights.Admin) ? ArrayRights.All : rights;
    }

    public bool Has(string array, ArrayRights right) => (RightsOn(array) & right) == right;

    /// <summary>Admin on the pattern "*": may call methods that name no array (reflection, future admin calls).</summary>
    public bool IsAdministrator => grants.Any(g => g.Pattern == "*" && g.Rights.HasFlag(ArrayRights.Admin));
}

/// <summary>
/// Bearer tokens → users → rights per array pattern, from a JSON token file:
/// <code>
/// { "tokens": { "TOKEN": "alice", "sha256:HEX": "bob" },
///   "users":  { "alice": { "*": ["read", "reduce"] }, "bob": { "public-*": ["read"], "bob-*": ["admin"] } } }
/// </code>
/// Tokens may be stored as the hex SHA-256 of the token ("sha256:..."), so the file need not hold the secrets.
/// Patterns use '*' (any run of characters) and '?' (one character) over the whole array name.
/// </summary>
public sealed class AccessPolicy
{
    /// <summary>Shorter tokens are guessable; a token file must not hold them.</summary>
    public const int MinTokenLength = 16;

    private readonly Dictionary<string, UserAccess> _byTokenHash;

    private AccessPolicy(Dictionary<string, UserAccess> byTokenHash) => _byTokenHash = byTokenHash;

    public int TokenCount => _byTokenHash.Count;

    public static AccessPolicy Load(string path)
    {
        if (!File.Exists(path)) throw new InvalidRequestException("tokens", $"token file '{path}' does not exist");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Validates the whole file: a typo in a right or a user name fails at start, not at the first call.</summary>
    public static AccessPolicy Parse(string json, string source = "token file")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidRequestException("tokens", $"{source} is not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("tokens", out var tokens) || tokens.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("users", out var users) || users.ValueKind != JsonValueKind.Object)
                throw new InvalidRequestException("tokens", $"{source} must be an object with \"tokens\" and \"users\" objects");

            var byUser = new Dictionary<string, UserAccess>(StringComparer.Ordinal);
            foreach (var user in users.EnumerateObject())
            {
                if (user.Value.ValueKind != JsonValueKind.Object) throw new InvalidRequestException($"users.{user.Name}", "must map array patterns to lists of rights");
                var grants = user.Value.EnumerateObject().Select(g => (g.Name, ParseRights(g.Value, $"users.{user.Name}.{g.Name}"))).ToList();
                byUser[user.Name] = new UserAccess(user.Name, grants);
            }

            var byHash = new Dictionary<string, UserAccess>(StringComparer.Ordinal);
            foreach (var token in tokens.EnumerateObject())
            {
                string field = "tokens." + Redact(token.Name);
                string userName = token.Value.ValueKind == JsonValueKind.String ? token.Value.GetString()! : throw new InvalidRequestException(field, "must name a user");
                if (!byUser.TryGetValue(userName, out var access)) throw new InvalidRequestException(field, $"user '{userName}' is not in \"users\"");
                string hash = token.Name.StartsWith("sha256:", StringComparison.Ordinal) ? token.Name[7..].ToLowerInvariant()
                    : token.Name.Length >= MinTokenLength ? Hash(token.Name)
                    : throw new InvalidRequestException(field, $"tokens must have at least {MinTokenLength} characters");
                if (hash.Length != 64 || !hash.All(Uri.IsHexDigit)) throw new InvalidRequestException(field, "a sha256: token needs 64 hex digits");
                if (!byHash.TryAdd(hash, access)) throw new InvalidRequestException(field, "the same token appears twice");
            }
            return new AccessPolicy(byHash);
        }
    }

    /// <summary>The token of an <c>Authorization: Bearer TOKEN</c> header (scheme case-insensitive), or null.</summary>
    public static string? BearerToken(string? authorizationHeader) =>
        authorizationHeader is not null && authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? authorizationHeader[7..].Trim()
            : null;

    /// <summary>The user a bearer token belongs to, or null. Only hashes are compared, so lookup time says nothing about the secret.</summary>
    public UserAccess? Authenticate(string? token) =>
        !string.IsNullOrEmpty(token) && _byTokenHash.TryGetValue(Hash(token), out var user) ? user : null;

    /// <summary>Hex SHA-256 of a token, as written after "sha256:" in a token file.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Whole-name glob match with '*' and '?'.</summary>
    public static bool Matches(string pattern, string name)
    {
        int p = 0, n = 0, starP = -1, starN = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n])) { p++; n++; }
            else if (p < pattern.Length && pattern[p] == '*') { starP = p++; starN = n; }
            else if (starP >= 0) { p = starP + 1; n = ++starN; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    private static ArrayRights ParseRights(JsonElement value, string field)
    {
        if (value.ValueKind != JsonValueKind.Array) throw new InvalidRequestException(field, "must be a list of rights (read, reduce, ingest, admin)");
        var rights = ArrayRights.None;
        foreach (var item in value.EnumerateArray())
        {
            rights |= item.ValueKind == JsonValueKind.String ? item.GetString() switch
            {
                "read" => ArrayRights.Read,
                "reduce" => ArrayRights.Reduce,
                "ingest" => ArrayRights.Ingest,
                "admin" => ArrayRights.Admin,
                var other => throw new InvalidRequestException(field, $"unknown right '{other}' (read, reduce, ingest, admin)"),
            } : throw new InvalidRequestException(field, "rights are strings");
        }
        return rights;
    }

    /// <summary>Error messages name a token by its first characters only, so a log never holds a whole secret.</summary>
    private static string Redact(string token) => token.StartsWith("sha256:", StringComparison.Ordinal) ? token : token[..Math.Min(4, token.Length)] + "…";
}
