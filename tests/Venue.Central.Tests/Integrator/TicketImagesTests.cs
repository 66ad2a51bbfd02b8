using System.Text.RegularExpressions;
using System.Xml.Linq;
using Venue.Central.Tickets;
using Venue.Domain.Tickets;

namespace Venue.Central.Tests.Integrator;

public sealed partial class TicketImagesTests
{
    private static string Token()
    {
        using var key = TicketSigningKey.Create("k1");
        return key.Issue(new BadgeClaims("k1", "expo-2026", "A0000172", "exhibitor", 1_800_000_000, 1_800_300_000));
    }

    [GeneratedRegex("^0 0 ([0-9]+) ([0-9]+)$")]
    private static partial Regex ViewBox();

    [Fact]
    public void The_PNG_decodes_back_to_the_badge_token()
    {
        var token = Token();

        var png = TicketImages.Png(token, pixelsPerModule: 6);

        var pixels = QrReader.ReadPng(png);
        var modules = QrReader.Modules(pixels, 6);
        var quiet = TicketImages.QuietZoneModules;
        var size = modules.GetLength(0) - 2 * quiet;
        var symbol = new bool[size, size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                symbol[y, x] = modules[y + quiet, x + quiet];
            }
        }

        Assert.Equal(token, Assert.Single(QrReader.DecodeLevelQ(symbol, out var version)));
        Assert.InRange(version, 8, 11);
        Assert.Equal((size + 2 * quiet) * 6, pixels.GetLength(1));
    }

    [Fact]
    public void The_PNG_has_a_light_quiet_zone_and_three_finder_patterns()
    {
        var modules = QrReader.Modules(QrReader.ReadPng(TicketImages.Png(Token(), 4)), 4);
        var n = modules.GetLength(0);
        var q = TicketImages.QuietZoneModules;

        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < q; k++)
            {
                Assert.False(modules[k, i] || modules[n - 1 - k, i] || modules[i, k] || modules[i, n - 1 - k], "the quiet zone is light");
            }
        }

        foreach (var (top, left) in new[] { (q, q), (q, n - q - 7), (n - q - 7, q) })
        {
            for (var y = 0; y < 7; y++)
            {
                for (var x = 0; x < 7; x++)
                {
                    // A finder: dark ring, light ring, dark 3x3 centre.
                    var ring = Math.Max(Math.Abs(y - 3), Math.Abs(x - 3));
                    Assert.Equal(ring != 2, modules[top + y, left + x]);
                }
            }
        }
    }

    [Fact]
    public void The_SVG_counts_modules_in_its_viewBox_and_draws_the_same_code_as_the_PNG()
    {
        var token = Token();
        var fromPng = QrReader.Modules(QrReader.ReadPng(TicketImages.Png(token, 3)), 3);
        var n = fromPng.GetLength(0);

        var svg = XDocument.Parse(TicketImages.Svg(token));

        var box = ViewBox().Match(svg.Root!.Attribute("viewBox")!.Value);
        Assert.True(box.Success, $"viewBox '{svg.Root.Attribute("viewBox")?.Value}'");
        Assert.Equal($"{n}", box.Groups[1].Value);
        Assert.Equal($"{n}", box.Groups[2].Value);
        // Rasterise the dark path: one unit per module, runs of "M{x} {y}h{width}v1h-{width}z".
        var drawn = new bool[n, n];
        var path = svg.Descendants().Single(e => e.Name.LocalName == "path" && e.Attribute("fill")?.Value == "#000000").Attribute("d")!.Value;
        var runs = Run().Matches(path);
        Assert.Equal(path.Length, runs.Sum(r => r.Length));
        foreach (Match run in runs)
        {
            var (x, y, width) = (Number(run.Groups[1]), Number(run.Groups[2]), Number(run.Groups[3]));
            for (var i = 0; i < width; i++)
            {
                drawn[y, x + i] = true;
            }
        }

        Assert.Equal(fromPng, drawn);
        var q = TicketImages.QuietZoneModules;
        var symbol = new bool[n - 2 * q, n - 2 * q];
        for (var y = 0; y < symbol.GetLength(0); y++)
        {
            for (var x = 0; x < symbol.GetLength(1); x++)
            {
                symbol[y, x] = drawn[y + q, x + q];
            }
        }

        Assert.Equal(token, Assert.Single(QrReader.DecodeLevelQ(symbol, out _)));
    }

    [GeneratedRegex("M([0-9]+) ([0-9]+)h([0-9]+)v1h-[0-9]+z")]
    private static partial Regex Run();

    private static int Number(Group group) => int.Parse(group.Value, System.Globalization.CultureInfo.InvariantCulture);
}
