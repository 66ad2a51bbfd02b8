using Venue.Domain.Tickets;
using Venue.Testing.Processes;

namespace Venue.Central.Tests.Cli;

/// <summary>The real <c>venue central</c> command line, as operators run it.</summary>
public sealed class CentralCliTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static async Task<string> WriteConfigAsync(TempDirectory directory, string? signingKey = "keys/k1.private.pem", string ticketTypes = """[{ "Name": "general", "Reentry": true }]""", string more = "")
    {
        if (signingKey is not null)
        {
            Directory.CreateDirectory(directory.File("keys"));
            using var key = TicketSigningKey.Create("k1");
            await File.WriteAllTextAsync(directory.File("keys/k1.private.pem"), key.ExportPrivatePem());
        }

        var path = directory.File("central.json");
        await File.WriteAllTextAsync(path, $$"""
            {
              // comments are allowed, as in silo-config/central.json
              "Central": {
                "DataDirectory": "data",
                "EventId": "cli-test",
                "SigningKeyPath": "{{signingKey ?? "keys/missing.private.pem"}}",
                "TicketTypes": {{ticketTypes}}
              }{{more}}
            }
            """);
        return path;
    }

    [Fact]
    public async Task Migrate_creates_the_embedded_store_and_running_it_again_changes_nothing()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = await WriteConfigAsync(directory);

        var first = await VenueExecutable.RunAsync(directory.Path, Limit, "central", "migrate", "--config", config);
        var second = await VenueExecutable.RunAsync(directory.Path, Limit, "central", "migrate", "--config", config);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.True(File.Exists(directory.File("data/central.db")));
        Assert.Contains("(sqlite) is at schema version", first.StandardOutput);
        Assert.Equal(first.StandardOutput, second.StandardOutput);
    }

    [Fact]
    public async Task A_PostgreSQL_that_takes_the_connection_and_never_answers_is_named_in_one_line()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = await WriteConfigAsync(directory);
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start(); // the kernel completes connections into the backlog; nothing ever answers them
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;

        var result = await VenueExecutable.RunAsync(directory.Path, Limit,
            new Dictionary<string, string> { ["VENUE_Central__PostgresConnectionString"] = $"Host=127.0.0.1;Port={port};Username=venue;Database=venue;Timeout=1" },
            "central", "migrate", "--config", config);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal($"venue: PostgreSQL at 127.0.0.1:{port} did not answer within 1 s (the connection string's Timeout); is it running and reachable?", result.StandardError.Trim());
    }

    [Fact]
    public async Task A_port_already_taken_stops_central_with_one_line_and_no_stack_trace_in_the_log()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = await WriteConfigAsync(directory);
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var result = await VenueExecutable.RunAsync(directory.Path, Limit, "central", "--config", config, "--urls", $"http://127.0.0.1:{port}");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal($"venue: Failed to bind to address http://127.0.0.1:{port}: address already in use.", result.StandardError.Trim());
        Assert.DoesNotContain("   at ", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edge_credential_added_at_central_is_listed_and_can_be_revoked()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = await WriteConfigAsync(directory);

        var added = await VenueExecutable.RunAsync(directory.Path, Limit, "central", "devices", "add", "--config", config, "--name", "north");
        Assert.True(added.ExitCode == 0, added.ToString());
        var token = added.DeviceToken;
        Assert.True(Domain.Devices.DeviceToken.TryParse(token, out var id, out _));

        var listed = await VenueExecutable.RunAsync(directory.Path, Limit, "central", "devices", "list", "--config", config);
        Assert.Contains($"{id}  edge     active", listed.StandardOutput);

        var revoked = await VenueExecutable.RunAsync(directory.Path, Limit, "central", "devices", "revoke", "--config", config, "--id", id);
        var again = await VenueExecutable.RunAsync(directory.Path, Limit, "central", "devices", "list", "--config", config);
        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        Assert.Contains($"{id}  edge     revoked", again.StandardOutput);
    }

    [Fact]
    public async Task Adding_an_edge_into_a_token_file_keeps_a_token_still_accepted_and_replaces_one_the_database_no_longer_knows()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = await WriteConfigAsync(directory);
        var tokenFile = directory.File("north.token");
        Task<ProcessResult> AddAsync() => VenueExecutable.RunAsync(directory.Path, Limit,
            "central", "devices", "add", "--config", config, "--name", "north", "--role", "edge", "--token-file", tokenFile);
        async Task<string[]> ActiveAsync() => [.. (await VenueExecutable.RunAsync(directory.Path, Limit, "central", "devices", "list", "--config", config))
            .StandardOutput.Split('\n').Where(l => l.Contains(" active ", StringComparison.Ordinal))];

        // A token file that cannot be written (here: its directory is missing) registers nothing.
        var unwritable = await VenueExecutable.RunAsync(directory.Path, Limit,
            "central", "devices", "add", "--config", config, "--name", "north", "--role", "edge", "--token-file", directory.File("missing/north.token"));
        Assert.True(unwritable.ExitCode == 2, unwritable.ToString());
        Assert.Contains($"the directory of --token-file, {directory.File("missing")}, does not exist", unwritable.StandardError, StringComparison.Ordinal);
        Assert.Empty(await ActiveAsync());

        var first = await AddAsync();
        Assert.True(first.ExitCode == 0, first.ToString());
        var token = (await File.ReadAllTextAsync(tokenFile)).Trim();
        Assert.True(Domain.Devices.DeviceToken.TryParse(token, out var id, out _), token);
        Assert.DoesNotContain(token, first.StandardOutput, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        }

        // Every start runs it again: the token stands and nothing more is registered.
        var again = await AddAsync();
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(token, (await File.ReadAllTextAsync(tokenFile)).Trim());
        Assert.Single(await ActiveAsync());

        // A revoked token is replaced.
        await VenueExecutable.RunAsync(directory.Path, Limit, "central", "devices", "revoke", "--config", config, "--id", id);
        var afterRevoke = await AddAsync();
        Assert.True(afterRevoke.ExitCode == 0, afterRevoke.ToString());
        var replaced = (await File.ReadAllTextAsync(tokenFile)).Trim();
        Assert.NotEqual(token, replaced);
        Assert.True(Domain.Devices.DeviceToken.TryParse(replaced, out var newId, out _));
        Assert.Contains(newId, Assert.Single(await ActiveAsync()));

        // So is one a database made anew has never seen.
        File.Delete(directory.File("data/central.db"));
        var fresh = await AddAsync();
        Assert.True(fresh.ExitCode == 0, fresh.ToString());
        Assert.Contains("the database is new", fresh.StandardOutput, StringComparison.Ordinal);
        Assert.NotEqual(replaced, (await File.ReadAllTextAsync(tokenFile)).Trim());
        Assert.Single(await ActiveAsync());
    }

    [Fact]
    public async Task A_second_central_on_the_same_store_is_refused_in_one_line_and_may_start_once_the_first_is_killed()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = await WriteConfigAsync(directory);
        var first = await SiloProcess.StartAsync(SiloStart.Central(config, directory.Path), Limit);
        try
        {
            var second = await VenueExecutable.RunAsync(directory.Path, Limit, "central", "--config", config, "--urls", "http://127.0.0.1:0");

            Assert.True(second.ExitCode == 2, second.ToString());
            var error = Assert.Single(second.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Assert.StartsWith($"venue: Another central is running on {directory.File("data/central.db")}", error, StringComparison.Ordinal);
            Assert.Equal("ok", (await first.HealthAsync()).GetProperty("status").GetString());

            // The operating system lets go of the claim with the killed process.
            await first.KillAsync();
            await using var after = await SiloProcess.StartAsync(SiloStart.Central(config, directory.Path), Limit);
            Assert.Equal("ok", (await after.HealthAsync()).GetProperty("status").GetString());
        }
        finally
        {
            await first.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_ticket_type_central_could_not_read_stops_it_with_one_line_rather_than_starting_without_it()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = await WriteConfigAsync(directory, ticketTypes: """[{ "Name": "general", "Reentry": "maybe" }, { "Name": "vip", "Reentry": true }]""");

        var result = await VenueExecutable.RunAsync(directory.Path, Limit, "central", "--config", config, "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, result.ExitCode);
        var message = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("'maybe' at 'Central:TicketTypes:0:Reentry'", message);
        Assert.False(Directory.Exists(directory.File("data")), "nothing may be created by a central that refused to start");
    }

    [Fact]
    public async Task A_reverse_proxy_that_is_no_address_stops_central_with_one_line_naming_each_entry()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = await WriteConfigAsync(directory, more: """
            ,
              "ReverseProxy": { "KnownProxies": ["10.0.0.7", "10.0.0.0/33", "proxy.example.com"] }
            """);

        var result = await VenueExecutable.RunAsync(directory.Path, Limit, "central", "--config", config, "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, result.ExitCode);
        var message = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("ReverseProxy:KnownProxies:1: '10.0.0.0/33' is neither", message, StringComparison.Ordinal);
        Assert.Contains("ReverseProxy:KnownProxies:2: 'proxy.example.com'", message, StringComparison.Ordinal);
        Assert.DoesNotContain("KnownProxies:0", message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory.File("data")), "nothing may be created by a central that refused to start");
    }

    [Fact]
    public async Task An_edge_credential_whose_name_is_not_an_edge_id_is_refused_in_one_line_since_central_would_refuse_its_uploads()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = await WriteConfigAsync(directory);

        var result = await VenueExecutable.RunAsync(directory.Path, Limit, "central", "devices", "add", "--config", config, "--name", "North Ü", "--role", "edge");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--name 'North Ü' is not an edge id", Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task A_public_key_given_as_the_signing_key_or_a_file_that_is_no_key_stops_central_before_it_creates_anything()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = await WriteConfigAsync(directory, signingKey: "keys/k1.public.pem");
        using (var key = TicketSigningKey.Create("k1"))
        {
            await File.WriteAllTextAsync(directory.File("keys/k1.public.pem"), key.ExportPublicPem());
        }

        var asPublic = await VenueExecutable.RunAsync(directory.Path, Limit, "central", "--config", config, "--urls", "http://127.0.0.1:0");
        await File.WriteAllTextAsync(directory.File("keys/k1.public.pem"), "not a key\n");
        var garbage = await VenueExecutable.RunAsync(directory.Path, Limit, "central", "migrate", "--config", config);

        Assert.Equal((2, 2), (asPublic.ExitCode, garbage.ExitCode));
        Assert.Contains("Central:SigningKeyPath", Assert.Single(asPublic.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Contains("is a public key; central signs badges with the private one", asPublic.StandardError);
        Assert.Contains("is not a private key from 'venue keys create'", Assert.Single(garbage.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.DoesNotContain("(Parameter", garbage.StandardError);
        Assert.False(Directory.Exists(directory.File("data")), "nothing may be created by a central that refused to start");
    }

    [Fact]
    public async Task A_missing_signing_key_and_a_duplicate_ticket_type_stop_central_with_one_line_naming_both()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = await WriteConfigAsync(directory, signingKey: null, ticketTypes: """[{ "Name": "vip" }, { "Name": "vip" }]""");

        var result = await VenueExecutable.RunAsync(directory.Path, Limit, "central", "--config", config, "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, result.ExitCode);
        var message = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Central:SigningKeyPath", message);
        Assert.Contains("'vip' is configured twice", message);
        Assert.False(Directory.Exists(directory.File("data")), "nothing may be created by a central that refused to start");
    }
}
