using System.Net;
using System.Text.Json;
using Venue.Domain.Central;
using Venue.Testing.Processes;

namespace Venue.Central.Tests.Integrator;

/// <summary><c>venue keys api create | list | revoke</c> as an operator runs them, against a running central's store.</summary>
public sealed class ApiKeyCliTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(60);

    private bool VenueBuilt() => Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output);

    /// <summary>A central.json naming the same data directory and key as the running test central.</summary>
    private static async Task<string> WriteConfigAsync(IntegratorHost central)
    {
        var path = central.Directory.File("central.json");
        var config = new
        {
            Central = new
            {
                EventId = "test-event",
                DataDirectory = central.Directory.File("central"),
                SigningKeyPath = central.Directory.File("k1.private.pem"),
                TicketTypes = IntegratorHost.TicketTypes.Select(t => new { t.Name, t.Reentry }),
            },
        };
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(config));
        return path;
    }

    [Fact]
    public async Task A_key_made_on_the_command_line_works_with_its_scopes_and_its_token_is_printed_alone()
    {
        if (!VenueBuilt())
        {
            return;
        }

        await using var central = await IntegratorHost.StartAsync();
        var config = await WriteConfigAsync(central);

        var created = await VenueExecutable.RunAsync(central.Directory.Path, Quick,
            "keys", "api", "create", "--name", "badge printer", "--scope", "attendees:read,stats:read", "--requests-per-minute", "30", "--config", config);

        Assert.True(created.ExitCode == 0, created.ToString());
        var token = created.StandardOutput.Trim();
        Assert.StartsWith("vak_", token);
        Assert.DoesNotContain('\n', token);
        Assert.Contains("cannot be shown again", created.StandardError, StringComparison.Ordinal);
        var client = central.Client(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/v1/silos")).StatusCode);
        var key = Assert.Single(await central.Silo.Store.ListApiKeysAsync());
        Assert.Equal(("badge printer", 30), (key.Name, key.RequestsPerMinute));
        Assert.Equal([ApiScope.AttendeesRead, ApiScope.StatsRead], key.Scopes.Order(StringComparer.Ordinal));

        var listed = await VenueExecutable.RunAsync(central.Directory.Path, Quick, "keys", "api", "list", "--config", config);
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Contains(key.Id, listed.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(token, listed.StandardOutput + listed.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_revoked_on_the_command_line_is_refused()
    {
        if (!VenueBuilt())
        {
            return;
        }

        await using var central = await IntegratorHost.StartAsync();
        var config = await WriteConfigAsync(central);
        var created = await VenueExecutable.RunAsync(central.Directory.Path, Quick, "keys", "api", "create", "--name", "crm", "--scope", "stats:read", "--config", config);
        var id = Assert.Single(await central.Silo.Store.ListApiKeysAsync()).Id;

        var unnamed = await VenueExecutable.RunAsync(central.Directory.Path, Quick, "keys", "api", "revoke", "--config", config);
        // --id, as 'devices revoke' takes it; the bare id of earlier versions still works.
        var revoked = await VenueExecutable.RunAsync(central.Directory.Path, Quick, "keys", "api", "revoke", "--id", id, "--config", config);
        var again = await VenueExecutable.RunAsync(central.Directory.Path, Quick, "keys", "api", "revoke", id, "--config", config);

        Assert.Equal(2, unnamed.ExitCode);
        Assert.Contains("name the key to revoke: --id ID", unnamed.StandardError, StringComparison.Ordinal);
        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        Assert.Contains($"Revoked API key {id}.", revoked.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains($"no active API key '{id}'", again.StandardError, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await central.Client(created.StandardOutput.Trim()).GetAsync("/v1/stats")).StatusCode);
    }

    [Theory]
    [InlineData("attendees:admin")]
    [InlineData("stats:read,everything")]
    public async Task An_unknown_scope_exits_non_zero_naming_the_valid_scopes(string scope)
    {
        if (!VenueBuilt())
        {
            return;
        }

        await using var central = await IntegratorHost.StartAsync();
        var config = await WriteConfigAsync(central);

        var result = await VenueExecutable.RunAsync(central.Directory.Path, Quick, "keys", "api", "create", "--name", "x", "--scope", scope, "--config", config);

        Assert.NotEqual(0, result.ExitCode);
        var error = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.All(ApiScope.All, s => Assert.Contains(s, error, StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(result.StandardOutput.Trim());
        Assert.Empty(await central.Silo.Store.ListApiKeysAsync());
    }
}
