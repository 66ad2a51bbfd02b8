using System.CommandLine;

namespace Venue.Cli.Commands;

/// <summary><c>venue health URL</c>: exit 0 when a silo's health endpoint answers 200 (for container health checks and scripts).</summary>
public static class HealthCommand
{
    public static Command Create()
    {
        var url = new Argument<Uri>("url")
        {
            Description = "Health endpoint, e.g. http://localhost:5080/healthz (a bare http://localhost:5080 asks /healthz).",
            CustomParser = AddressParser.Absolute("url", "http://localhost:5080/healthz", "http", "https"),
        };
        var command = new Command("health", "Check a silo's health endpoint; exits 0 when it answers 200.") { url };
        command.SetAction((parse, ct) => VenueCommandLine.Guard(async () =>
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                using var response = await http.GetAsync(WithHealthPath(parse.GetValue(url)!), ct);
                Console.WriteLine($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                return response.IsSuccessStatusCode ? 0 : 1;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Console.Error.WriteLineAsync($"venue: {parse.GetValue(url)} did not answer: {e.Message}");
                return 1;
            }
        }));
        return command;
    }

    /// <summary>A silo's bare address (<c>http://host:5080</c>) means its health endpoint: it has nothing else at <c>/</c>.</summary>
    internal static Uri WithHealthPath(Uri url) =>
        url.AbsolutePath is "" or "/" && string.IsNullOrEmpty(url.Query) ? new Uri(url, "/healthz") : url;
}
