using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;

namespace Venue.OpsConsole;

/// <summary>
/// The console page, read once from the assembly's embedded resources. Served with an ETag and
/// <c>no-cache</c>: a tablet revalidates (a 304 on the LAN) and never shows a stale page after an upgrade.
/// </summary>
internal static class ConsoleAssets
{
    private const string Prefix = "console/";

    public static readonly FrozenDictionary<string, Asset> All = Load();

    /// <summary>The index page's Content-Security-Policy: only this origin, and only its own inline style block (by hash).</summary>
    public static readonly string IndexPolicy = BuildPolicy();

    public sealed record Asset(string Name, string ContentType, byte[] Content, string ETag);

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var content = memory.ToArray();
            var name = resource[Prefix.Length..];
            var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"";
            assets[name] = new Asset(name, ContentTypeOf(name), content, etag);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };

    private static string BuildPolicy()
    {
        var style = "'none'";
        if (All.TryGetValue("index.html", out var index))
        {
            var html = Encoding.UTF8.GetString(index.Content);
            var start = html.IndexOf("<style>", StringComparison.Ordinal);
            var end = html.IndexOf("</style>", StringComparison.Ordinal);
            if (start >= 0 && end > start)
            {
                var css = html[(start + "<style>".Length)..end];
                style = $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(css)))}'";
            }
        }

        return $"default-src 'none'; script-src 'self'; style-src {style}; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }
}
