using System.Diagnostics;
using Npgsql;
using Venue.Domain.Tickets;
using Venue.Testing.Postgres;
using Venue.Testing.Processes;

namespace Venue.Central.Tests.Reliability;

/// <summary>
/// A real <c>venue central</c> on a real PostgreSQL whose claim session the database ends, as a
/// restart or a cut connection does. Only if another session takes the claim before central's next
/// heartbeat must central stop (two centrals would each miss the other's passages), and say so in
/// one line with exit code 1, which restart-on-failure supervisors read as a failure; otherwise it
/// takes the claim again and runs on.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class CentralClaimLostTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    /// <summary>The claim's advisory lock key, as central computes it in the schema it runs in.</summary>
    private const string ClaimKey = "hashtextextended('venue.central/' || current_schema(), 0)";

    private const string ClaimLostLine = "venue: another central took this store while the database was out of reach; this one stopped.";

    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(45);

    /// <summary>Central renews its claim every 5 s; a lost one must end it well within a few heartbeats.</summary>
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(30);

    /// <summary>For the next heartbeat to take an ended claim again (5 s apart, with room for a busy machine).</summary>
    private static readonly TimeSpan RetakeLimit = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan TwoHeartbeatsLimit = TimeSpan.FromSeconds(25);

    [Fact]
    public async Task A_central_whose_claim_another_session_took_while_its_own_was_ended_exits_1_with_one_line_on_stderr()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output) || !postgres.Met(output))
        {
            return;
        }

        var database = await postgres.DatabaseAsync("central_claim_lost");
        using var directory = new TempDirectory();
        await using var central = await StartCentralAsync(directory, database);
        try
        {
            await using var session = await OpenAsync(database);
            var holder = Assert.Single(await ClaimHoldersAsync(session));
            Assert.Equal("venue central claim", holder.ApplicationName); // what an operator looks for in pg_stat_activity

            // In one round trip, so central's next heartbeat finds the claim taken, not free.
            var clock = Stopwatch.StartNew();
            await using (var batch = new NpgsqlBatch(session)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("SELECT pg_terminate_backend($1, 10000)") { Parameters = { new() { Value = holder.Pid } } },
                    new NpgsqlBatchCommand($"SELECT pg_try_advisory_lock({ClaimKey})"),
                },
            })
            await using (var reader = await batch.ExecuteReaderAsync())
            {
                Assert.True(await reader.ReadAsync() && reader.GetBoolean(0), $"central's claim session {holder} was not ended");
                Assert.True(await reader.NextResultAsync() && await reader.ReadAsync() && reader.GetBoolean(0), "central took its claim again before the test could");
            }

            var exitCode = await central.WaitForExitAsync(ExitLimit);
            output.WriteLine($"central's claim session {holder} ended and taken by the test; central exited with {exitCode} {clock.Elapsed.TotalSeconds:0.0} s later");

            Assert.True(exitCode == 1, $"exit {exitCode}; central printed:\n{central.Output}");
            Assert.DoesNotContain("   at ", central.StandardError, StringComparison.Ordinal);
            Assert.Equal(ClaimLostLine, Assert.Single(central.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
            Assert.Contains("Another central took the postgres store", central.Output, StringComparison.Ordinal);
        }
        catch
        {
            WriteOutputs(central);
            throw;
        }
    }

    [Fact]
    public async Task A_central_whose_claim_session_was_ended_takes_the_claim_again_and_runs_on()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output) || !postgres.Met(output))
        {
            return;
        }

        var database = await postgres.DatabaseAsync("central_claim_retaken");
        using var directory = new TempDirectory();
        await using var central = await StartCentralAsync(directory, database);
        try
        {
            await using var session = await OpenAsync(database);
            var ended = Assert.Single(await ClaimHoldersAsync(session));
            await using (var terminate = new NpgsqlCommand("SELECT pg_terminate_backend($1, 10000)", session) { Parameters = { new() { Value = ended.Pid } } })
            {
                Assert.True((bool)(await terminate.ExecuteScalarAsync())!, $"central's claim session {ended} was not ended");
            }

            // Central's next heartbeat finds its session gone and the claim free: a new session of its own holds it.
            var clock = Stopwatch.StartNew();
            var holders = new List<ClaimHolder>();
            await Eventually.UntilAsync(async () =>
            {
                holders = await ClaimHoldersAsync(session);
                return central.HasExited || holders.Any(h => h.Pid != ended.Pid);
            }, RetakeLimit, () => $"central to take its claim again after its session {ended} was ended (holders now: {string.Join(", ", holders)})", TimeSpan.FromMilliseconds(100));
            Assert.False(central.HasExited, $"central exited with {(central.HasExited ? central.ExitCode : 0)} instead of taking its claim again");
            var retaken = Assert.Single(holders);
            output.WriteLine($"claim session {ended} ended; central took the claim again in {retaken} {clock.Elapsed.TotalSeconds:0.0} s later");

            // Two more heartbeats (each writes central's silo row only after its renewal held): the claim stands and central runs on.
            var lastSeen = await CentralLastSeenAsync(session);
            var beats = 0;
            await Eventually.UntilAsync(async () =>
            {
                var seen = await CentralLastSeenAsync(session);
                if (seen > lastSeen)
                {
                    (lastSeen, beats) = (seen, beats + 1);
                }

                return central.HasExited || beats >= 2;
            }, TwoHeartbeatsLimit, () => $"two heartbeats of central after it took its claim again ({beats} seen)", TimeSpan.FromMilliseconds(250));
            output.WriteLine($"two heartbeats later ({clock.Elapsed.TotalSeconds:0.0} s after the session ended) central still runs");

            Assert.False(central.HasExited, $"central exited with {(central.HasExited ? central.ExitCode : 0)} after taking its claim again");
            Assert.Equal("ok", (await central.HealthAsync()).GetProperty("status").GetString());
            Assert.Equal(retaken, Assert.Single(await ClaimHoldersAsync(session)));
            Assert.Equal("", central.StandardError);
        }
        catch
        {
            WriteOutputs(central);
            throw;
        }
    }

    /// <summary>A backend holding central's claim, when it started (a new session is a new backend) and the name it gave itself.</summary>
    private sealed record ClaimHolder(int Pid, DateTimeOffset BackendStart, string ApplicationName);

    private static async Task<SiloProcess> StartCentralAsync(TempDirectory directory, string database)
    {
        using (var key = TicketSigningKey.Create("k1"))
        {
            await File.WriteAllTextAsync(directory.File("k1.private.pem"), key.ExportPrivatePem());
        }

        var config = directory.File("central.json");
        await File.WriteAllTextAsync(config, """
            {
              "Central": {
                "DataDirectory": "data",
                "EventId": "claim-test",
                "SigningKeyPath": "k1.private.pem",
                "TicketTypes": [{ "Name": "general", "Reentry": true }]
              }
            }
            """);

        // As operators pass a secret: the environment, not the file.
        return await SiloProcess.StartAsync(SiloStart.Central(config, directory.Path,
            new Dictionary<string, string> { ["VENUE_Central__PostgresConnectionString"] = database }), StartLimit);
    }

    /// <summary>A session of the test's own, outside any pool, in central's database and schema.</summary>
    private static async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database) { Pooling = false }.ToString());
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>
    /// The sessions holding central's claim: a bigint advisory lock shows in pg_locks as its high
    /// half (classid) and low half (objid), with objsubid 1.
    /// </summary>
    private static async Task<List<ClaimHolder>> ClaimHoldersAsync(NpgsqlConnection session)
    {
        await using var read = new NpgsqlCommand($"""
            SELECT l.pid, a.backend_start, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND ((l.classid::bigint << 32) | l.objid::bigint) = {ClaimKey}
            """, session);
        await using var reader = await read.ExecuteReaderAsync();
        var holders = new List<ClaimHolder>();
        while (await reader.ReadAsync())
        {
            holders.Add(new ClaimHolder(reader.GetInt32(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2)));
        }

        return holders;
    }

    private static async Task<DateTime> CentralLastSeenAsync(NpgsqlConnection session)
    {
        await using var read = new NpgsqlCommand("SELECT last_seen_at FROM silos WHERE role = 'central'", session);
        return (DateTime)(await read.ExecuteScalarAsync())!;
    }

    private void WriteOutputs(SiloProcess central)
    {
        output.WriteLine($"--- central printed\n{central.Output}");
        if (postgres.Server is { } server)
        {
            output.WriteLine($"--- PostgreSQL log\n{(File.Exists(server.LogPath) ? string.Join('\n', File.ReadLines(server.LogPath).TakeLast(40)) : "(none)")}");
        }
    }
}
