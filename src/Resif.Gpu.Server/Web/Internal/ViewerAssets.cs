using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace Resif.Gpu.Server.Web.Internal;

/// <summary>The page's static files, embedded in the assembly as "viewer/NAME" so the server needs no wwwroot folder.</summary>
internal static class ViewerAssets
{
    private const string Prefix = "viewer/";

    private static readonly FrozenDictionary<string, byte[]> Files = Load();

    public static IResult Result(string name) => Files.TryGetValue(name, out var bytes)
        ? Results.Bytes(bytes, ContentType(name))
        : Results.NotFound();

    private static FrozenDictionary<string, byte[]> Load()
    {
        var assembly = typeof(ViewerAssets).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[resource[Prefix.Length..]] = copy.ToArray();
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    };
}
