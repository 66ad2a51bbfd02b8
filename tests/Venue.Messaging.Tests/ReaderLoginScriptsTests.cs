using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Venue.Messaging.Tests.Support;
using Venue.Testing;
using Venue.Testing.RabbitMq;
using Xunit.Abstractions;

namespace Venue.Messaging.Tests;

/// <summary>
/// Compose's broker scripts (silo-config/rabbitmq/reader-users.sh and open-readers.sh) against a real
/// node: each reader logs in as itself and may publish only to its own topic, and readers are
/// refused at login until the edge's reads queue is bound, instead of having their publishes
/// acknowledged and dropped.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class ReaderLoginScriptsTests(RabbitMqFixture broker, ITestOutputHelper output)
{
    [Fact]
    public async Task A_reader_may_publish_only_once_the_edge_has_bound_its_reads_queue_so_no_early_read_is_silently_dropped()
    {
        if (!Ready())
        {
            return;
        }

        var server = broker.Server!;
        using var directory = new TempDirectory();
        var reader = NewReaderId();
        var credentials = Credentials(directory, (reader, NewPassword()));
        try
        {
            // As start.sh leaves the readers' logins: made, with no access to the vhost yet.
            var closed = await RunAsync("reader-users.sh", server, directory, credentials);
            Assert.True(closed.ExitCode == 0, closed.Output);

            await using var queue = new ReadsQueue(server);
            var mqtt = Login(server, credentials, reader);
            using var script = Start("open-readers.sh", server, directory, credentials, null,
                ("VENUE_READS_QUEUE_PATTERN", Regex.Escape(queue.Options.EffectiveQueueName) + "$"));
            try
            {
                // No queue yet: the reader is refused at login, so it keeps its read; it is not taken and dropped.
                Assert.False(await mqtt.TryPublishAsync(queue.Topic(reader), ZebraJson.Event(1)), "a reader published before any queue was bound");
                Assert.False(script.HasExited, "the script gave readers the right to publish before the queue was bound");

                var sink = new JournalingSink(reader);
                await using var consumer = await Consumers.StartedAsync(queue.Options, sink);
                await script.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
                Assert.True(script.ExitCode == 0, await script.StandardError.ReadToEndAsync());

                await mqtt.PublishAsync(queue.Topic(reader), ZebraJson.Event(2));
                await sink.JournaledAsync(1);
                Assert.Equal([(reader, 2L)], sink.Journal.Select(r => (r.ReaderId, r.EventNum)));
            }
            finally
            {
                if (!script.HasExited)
                {
                    script.Kill(entireProcessTree: true);
                }
            }
        }
        finally
        {
            await DeleteUserAsync(server, reader);
        }
    }

    [Fact]
    public async Task A_reader_login_cannot_publish_reads_in_another_readers_name()
    {
        if (!Ready())
        {
            return;
        }

        var server = broker.Server!;
        using var directory = new TempDirectory();
        var (north, south) = (NewReaderId(), NewReaderId());
        var credentials = Credentials(directory, (north, NewPassword()), (south, NewPassword()));
        try
        {
            var open = await RunAsync("reader-users.sh", server, directory, credentials, "--open");
            Assert.True(open.ExitCode == 0, open.Output);
            await using var queue = new ReadsQueue(server);
            var sink = new JournalingSink(north, south);
            await using var consumer = await Consumers.StartedAsync(queue.Options, sink);

            // Without per-reader logins the broker would take this and the edge would count north's read as south's.
            Assert.False(await Login(server, credentials, north).TryPublishAsync(queue.Topic(south), ZebraJson.Event(1)),
                $"{north}'s login published to {south}'s topic");
            // Nor under another vendor's prefix, nor with a topic that merely starts with its own.
            Assert.False(await Login(server, credentials, north).TryPublishAsync($"{queue.Vendor}/{north}/data/x", ZebraJson.Event(2)),
                $"{north}'s login published below its own topic");

            await Login(server, credentials, north).PublishAsync(queue.Topic(north), ZebraJson.Event(3));
            await Login(server, credentials, south).PublishAsync(queue.Topic(south), ZebraJson.Event(4));
            await sink.JournaledAsync(2);
            Assert.Equal(new[] { (north, 3L), (south, 4L) }.Order(), sink.Journal.Select(r => (r.ReaderId, r.EventNum)).Order());
            Assert.Equal(0u, await queue.ReadyAsync());
            Assert.Empty(await queue.TakeDeadLettersAsync());
        }
        finally
        {
            await DeleteUserAsync(server, north);
            await DeleteUserAsync(server, south);
        }
    }

    [Fact]
    public async Task A_reader_whose_credential_file_is_removed_loses_its_login_and_a_file_naming_another_user_is_refused()
    {
        if (!Ready())
        {
            return;
        }

        var server = broker.Server!;
        using var directory = new TempDirectory();
        var (kept, retired) = (NewReaderId(), NewReaderId());
        var credentials = Credentials(directory, (kept, NewPassword()), (retired, NewPassword()));
        try
        {
            Assert.Equal(0, (await RunAsync("reader-users.sh", server, directory, credentials, "--open")).ExitCode);
            Assert.Contains(retired, await server.CtlAsync(["list_users"]));

            File.Delete(Path.Combine(credentials, retired + ".password"));
            // A file in the name of the test's admin user: applying it would hand the admin's account to a reader.
            File.WriteAllText(Path.Combine(credentials, RabbitMqServer.User + ".password"), "taken-over");
            var again = await RunAsync("reader-users.sh", server, directory, credentials, "--open");

            Assert.NotEqual(0, again.ExitCode);
            Assert.Contains($"user '{RabbitMqServer.User}' exists and is not a reader login", again.Output);
            var users = await server.CtlAsync(["list_users"]);
            Assert.DoesNotContain(retired, users);
            Assert.Contains(kept, users);
            Assert.False(await Login(server, credentials, retired, File.ReadAllText(Path.Combine(credentials, kept + ".password")))
                .TryPublishAsync($"t0/{retired}/data", ZebraJson.Event(1)), "a retired reader still logs in");
            // The admin's password is still its own: the fixture's connection factory logs in with it.
            await using var connection = await server.ConnectionFactory().CreateConnectionAsync();
            Assert.True(connection.IsOpen);
        }
        finally
        {
            await DeleteUserAsync(server, kept);
            await DeleteUserAsync(server, retired);
        }
    }

    private bool Ready() =>
        broker.Met(output) && Requirement.Met(MosquittoReader.Executable is not null, "mosquitto_pub (mosquitto-clients)", output);

    private static string NewReaderId() => $"fx-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";

    private static string NewPassword() => Convert.ToHexString(RandomNumberGenerator.GetBytes(12));

    private static string Credentials(TempDirectory directory, params (string Reader, string Password)[] readers)
    {
        var path = directory.File("readers");
        Directory.CreateDirectory(path);
        foreach (var (reader, password) in readers)
        {
            File.WriteAllText(Path.Combine(path, reader + ".password"), password + "\n");
        }

        return path;
    }

    private static MosquittoReader Login(RabbitMqServer server, string credentials, string reader, string? password = null) =>
        new(server, reader, password ?? File.ReadAllText(Path.Combine(credentials, reader + ".password")).Trim());

    private static Process Start(string script, RabbitMqServer server, TempDirectory directory, string credentials,
        string[]? arguments = null, params (string Name, string Value)[] environment)
    {
        var info = new ProcessStartInfo("sh", [RepositoryFiles.Path("silo-config", "rabbitmq", script), .. arguments ?? []])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["RABBITMQCTL"] = server.WriteCtlScript(directory.File("rabbitmqctl")),
                ["VENUE_READER_CREDENTIALS"] = credentials,
            },
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return Process.Start(info)!;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string script, RabbitMqServer server, TempDirectory directory, string credentials, params string[] arguments)
    {
        using var process = Start(script, server, directory, credentials, arguments);
        return await CollectAsync(process);
    }

    private static async Task<(int ExitCode, string Output)> CollectAsync(Process process)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task DeleteUserAsync(RabbitMqServer server, string user)
    {
        if (server.IsRunning && (await server.CtlAsync(["list_users"])).Contains(user, StringComparison.Ordinal))
        {
            await server.CtlAsync(["delete_user", user]);
        }
    }
}
