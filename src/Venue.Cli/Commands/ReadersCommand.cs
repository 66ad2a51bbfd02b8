using System.CommandLine;
using System.Diagnostics;
using Venue.Domain.Layout;
using Venue.Domain.Ledger;
using Venue.Domain.Readers;
using Venue.Messaging.Mqtt;
using Venue.Simulation.Crowd;

namespace Venue.Cli.Commands;

/// <summary>
/// <c>venue readers simulate</c>: a fleet of Zebra-style RFID readers for a venue layout, publishing
/// reads of the ledger's attendees wandering the floor over MQTT (QoS 1) to <c>zebra/{reader}/data</c>,
/// as real readers do through RabbitMQ's MQTT plugin (docs/reader-payloads.md).
/// </summary>
public static class ReadersCommand
{
    /// <summary>Where the MQTT password comes from: never a command-line value, which shows in process lists and compose files.</summary>
    public const string PasswordVariable = "VENUE_MQTT_PASSWORD";

    /// <summary>Each reader publishes what it read at most this often, one batch per message, as a batching Zebra reader does.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    /// <summary>A pass's reads span about a second; its time is set that far back so no read is stamped in the future.</summary>
    private static readonly TimeSpan PassLead = TimeSpan.FromSeconds(1.2);

    /// <summary>Most reads in one message (the edge's reader queue journals up to 500 per batch by default).</summary>
    private const int MaxReadsPerMessage = 500;

    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        var readers = new Command("readers", "RFID readers: their broker logins, and a simulated fleet that publishes over MQTT.");
        readers.Subcommands.Add(Credentials());
        readers.Subcommands.Add(Simulate());
        return readers;
    }

    private static Command Simulate()
    {
        var host = new Option<string>("--host") { Description = "MQTT broker (RabbitMQ with its MQTT plugin).", DefaultValueFactory = _ => "localhost" };
        var port = new Option<int>("--port") { Description = "MQTT port.", DefaultValueFactory = _ => 1883 };
        var user = new Option<string?>("--user") { Description = $"One MQTT user for every reader (a test broker); its password from the environment, {PasswordVariable}." };
        var credentials = new Option<DirectoryInfo?>("--credentials")
        {
            Description = "Each reader logs in as itself with the password in {dir}/{reader}.password ('venue readers credentials'), as on compose's brokers.",
        };
        var layout = new Option<FileInfo>("--layout") { Description = "Venue layout (docs/venue-layout.md): its portals name the readers.", Required = true };
        var ledger = new Option<FileInfo>("--ledger") { Description = "Ledger snapshot (venue-ledger/1): its active attendees are the people read.", Required = true };
        var rate = new Option<double>("--rate") { Description = "Reads per second, over every reader.", DefaultValueFactory = _ => 200 };
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds (default: run until stopped, or --reads)." };
        var count = new Option<long?>("--reads") { Description = "Stop after this many reads." };
        var seed = new Option<int>("--seed") { Description = "Seed of the wandering.", DefaultValueFactory = _ => 42 };
        var command = new Command("simulate",
            "Act as the layout's RFID readers: attendees from the ledger wander through its portals, and each reader publishes Zebra JSON batches to zebra/{reader}/data with QoS 1.")
        {
            host, port, user, credentials, layout, ledger, rate, duration, count, seed,
        };
        command.SetAction((parse, ct) => VenueCommandLine.Guard(async () =>
        {
            var problems = new List<string>();
            if (string.IsNullOrWhiteSpace(parse.GetValue(host)))
            {
                problems.Add("--host is required");
            }

            if (parse.GetValue(port) is < 1 or > 65535)
            {
                problems.Add("--port must be 1 to 65535");
            }

            if (parse.GetValue(rate) is not (> 0 and <= 100_000))
            {
                problems.Add("--rate must be above 0 and at most 100,000 reads/s");
            }

            // Finite and within a day: TimeSpan cannot hold 1e300 seconds, and NaN compares as nothing.
            if (parse.GetValue(duration) is { } asked && !(asked > 0 && asked <= TimeSpan.FromDays(1).TotalSeconds))
            {
                problems.Add("--duration must be above 0 and at most 86,400 seconds");
            }

            if (parse.GetValue(count) is < 1)
            {
                problems.Add("--reads must be at least 1");
            }

            if (!parse.GetValue(layout)!.Exists)
            {
                problems.Add($"--layout {parse.GetValue(layout)!.FullName} does not exist");
            }

            if (!parse.GetValue(ledger)!.Exists)
            {
                problems.Add($"--ledger {parse.GetValue(ledger)!.FullName} does not exist");
            }

            // MQTT 3.1.1 sends a password only with a user name (3.1.2-22).
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PasswordVariable)) && parse.GetValue(user) is null)
            {
                problems.Add(parse.GetValue(credentials) is null
                    ? $"{PasswordVariable} is set but --user is not: name the user the password belongs to"
                    : $"{PasswordVariable} is set but --credentials gives each reader its own password: unset it");
            }

            if (parse.GetValue(user) is { } named && parse.GetValue(credentials) is null && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PasswordVariable)))
            {
                // The broker would only say "bad user name or password", which does not say where a password goes.
                problems.Add($"--user {named} needs its password in the environment, {PasswordVariable}");
            }

            if (parse.GetValue(credentials) is { } folder)
            {
                if (parse.GetValue(user) is not null)
                {
                    problems.Add("--user and --credentials both name logins: give one");
                }
                else if (!folder.Exists)
                {
                    problems.Add($"--credentials {folder.FullName} does not exist");
                }
            }

            if (problems.Count > 0)
            {
                throw new ArgumentException(string.Join("; ", problems) + ".");
            }

            var venue = LoadLayout(parse.GetValue(layout)!);
            var attendees = (await LedgerSnapshot.ReadFileAsync(parse.GetValue(ledger)!.FullName, ct)).Attendees
                .Where(a => a.Status == AttendeeStatus.Active && EpcCodec.IsEncodable(a.Id))
                .Select(a => a.Id).Order(StringComparer.Ordinal).ToList();
            if (attendees.Count == 0)
            {
                throw new InvalidDataException($"{parse.GetValue(ledger)!.FullName} holds no active attendee whose id fits a badge EPC: nobody to read.");
            }

            if (venue.Portals.Count == 0)
            {
                throw new InvalidDataException($"{parse.GetValue(layout)!.FullName} has no portals: no reader to simulate.");
            }

            var fleet = new ReaderFleet(venue, attendees, parse.GetValue(seed));
            var logins = Logins(fleet.Readers, parse.GetValue(user), parse.GetValue(credentials));
            await using var transport = new MqttTransport(parse.GetValue(host)!, parse.GetValue(port), reader => logins[reader]);
            try
            {
                await transport.ConnectAsync(fleet.Readers, ct);
            }
            catch (MqttException e)
            {
                await Console.Error.WriteLineAsync($"venue: {e.Message}");
                return 1;
            }

            var loggedIn = parse.GetValue(credentials) is not null ? "themselves" : parse.GetValue(user) ?? "anonymous";
            Console.WriteLine($"{fleet.Readers.Count} readers ({string.Join(", ", fleet.Readers)}) connected to {parse.GetValue(host)}:{parse.GetValue(port)} as " +
                $"{loggedIn}; {attendees.Count:N0} attendees wander {venue.Zones.Count} zones through {venue.Portals.Count} portals, " +
                $"{parse.GetValue(rate):N0} reads/s.");
            var run = new Run(fleet, transport, parse.GetValue(rate), parse.GetValue(count), parse.GetValue(duration) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                TimeProvider.System);
            try
            {
                await run.ExecuteAsync(ct);
            }
            catch (MqttException e)
            {
                Console.WriteLine(run.Summary());
                await Console.Error.WriteLineAsync($"venue: {e.Message}");
                return 1;
            }

            Console.WriteLine(run.Summary());
            return 0;
        }));
        return command;
    }

    /// <summary>The layout, or its problems as one line naming the file.</summary>
    private static VenueLayout LoadLayout(FileInfo file)
    {
        try
        {
            return VenueLayout.Load(file.FullName);
        }
        catch (LayoutException e)
        {
            throw new InvalidDataException($"{file.FullName}: {e.Message}", e);
        }
    }

    /// <summary>Each reader's login, read before any connection so a missing password file stops the run with its name.</summary>
    private static Dictionary<string, MqttLogin> Logins(IEnumerable<string> readers, string? user, DirectoryInfo? credentials)
    {
        var password = Environment.GetEnvironmentVariable(PasswordVariable);
        var shared = new MqttLogin(user, string.IsNullOrEmpty(password) ? null : password);
        return readers.ToDictionary(r => r,
            r => credentials is null ? shared : new MqttLogin(r, ReaderCredentials.Read(credentials.FullName, r)), StringComparer.Ordinal);
    }

    private static Command Credentials()
    {
        var layout = new Option<FileInfo>("--layout") { Description = "Venue layout (docs/venue-layout.md): its portals name the readers.", Required = true };
        var dir = new Option<DirectoryInfo>("--dir") { Description = "Where the password files go, one {reader}.password each (made if missing; its parent must exist).", Required = true };
        var only = new Option<string[]>("--reader") { Description = "Only this reader (repeatable; default: every reader of the layout).", AllowMultipleArgumentsPerToken = false };
        var rotate = new Option<bool>("--rotate") { Description = "Replace the passwords already there (the broker takes them at its next start, or when reader-users.sh --open runs)." };
        var command = new Command("credentials",
            "Make each RFID reader its own broker login: a random password per reader in {dir}/{reader}.password. The edge's broker " +
            "(silo-config/rabbitmq/reader-users.sh) makes a user per file that may publish only to its own topic, {vendor}/{reader}/data.")
        {
            layout, dir, only, rotate,
        };
        command.SetAction((parse, ct) => VenueCommandLine.Guard(() =>
        {
            var layoutFile = parse.GetValue(layout)!;
            if (!layoutFile.Exists)
            {
                throw new ArgumentException($"--layout {layoutFile.FullName} does not exist.");
            }

            var venue = LoadLayout(layoutFile);
            var known = venue.Portals.Select(p => p.ReaderId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var asked = parse.GetValue(only) is { Length: > 0 } named ? named.Distinct(StringComparer.Ordinal).ToList() : known;
            var problems = new List<string>();
            if (asked.Except(known, StringComparer.Ordinal).ToList() is { Count: > 0 } strangers)
            {
                problems.Add($"--reader {string.Join(", ", strangers)} is no reader of the layout (it has {string.Join(", ", known)})");
            }

            if (asked.Where(r => !ReaderCredentials.IsLoginName(r)).ToList() is { Count: > 0 } unfit)
            {
                problems.Add($"reader {string.Join(", ", unfit.Select(r => $"'{r}'"))} cannot be a broker login: rename it in the layout to letters, digits, '-' and '_'");
            }

            var folder = parse.GetValue(dir)!;
            if (File.Exists(folder.FullName))
            {
                problems.Add($"--dir {folder.FullName} is a file; give the directory the password files go into");
            }
            else if (folder.Parent is { Exists: false } parent)
            {
                problems.Add($"the directory of --dir, {parent.FullName}, does not exist; create it first");
            }

            if (problems.Count > 0)
            {
                throw new ArgumentException(string.Join("; ", problems) + ". Nothing was written.");
            }

            if (!folder.Exists)
            {
                if (OperatingSystem.IsWindows())
                {
                    folder.Create();
                }
                else
                {
                    Directory.CreateDirectory(folder.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }

            if (known.Count == 0)
            {
                // Not an error: an edge that only checks people in has a layout without readers, and its broker still looks for the directory.
                Console.WriteLine($"{layoutFile.FullName} has no portals: no reader needs a login; {folder.FullName} holds none.");
            }

            foreach (var reader in asked)
            {
                var outcome = ReaderCredentials.Ensure(folder.FullName, reader, parse.GetValue(rotate));
                Console.WriteLine($"{reader}: {outcome switch
                {
                    ReaderCredentials.Outcome.Made => "password made",
                    ReaderCredentials.Outcome.Rotated => "password replaced",
                    _ => "keeps its password",
                }} ({ReaderCredentials.PathOf(folder.FullName, reader)})");
            }

            var orphans = folder.GetFiles("*" + ReaderCredentials.Extension)
                .Select(f => Path.GetFileNameWithoutExtension(f.Name)).Where(r => !known.Contains(r, StringComparer.Ordinal)).Order(StringComparer.Ordinal).ToList();
            foreach (var orphan in orphans)
            {
                Console.WriteLine($"{orphan}: names no reader of the layout; delete {ReaderCredentials.PathOf(folder.FullName, orphan)} to retire its login");
            }

            Console.WriteLine("Each reader logs in to its edge's broker over MQTT as its id with the password in its file. The broker applies the files " +
                "at its start (compose's start.sh), or now with: sh /etc/rabbitmq/venue/reader-users.sh --open");
            return Task.FromResult(0);
        }));
        return command;
    }

    /// <summary>One simulation: paces passes so that reads go out at the asked rate, and keeps the counts.</summary>
    private sealed class Run(ReaderFleet fleet, MqttTransport transport, double rate, long? maxReads, TimeSpan? duration, TimeProvider time)
    {
        private readonly Dictionary<string, long> _eventNum = new(StringComparer.Ordinal);

        // Numbers start at the start time in microseconds, so a restarted simulator's reads never
        // share an event number with an earlier run's unless one sends more than a million reads a
        // second: the edge tells them apart by read time anyway, but a journal stays easy to read.
        private readonly long _firstEventNum = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        private readonly Dictionary<string, long> _perReader = new(StringComparer.Ordinal);
        private long _sent;
        private long _messages;
        private TimeSpan _elapsed;

        public async Task ExecuteAsync(CancellationToken cancellationToken)
        {
            var start = time.GetTimestamp();
            var nextProgress = ProgressEvery;
            using var timer = new PeriodicTimer(Tick, time);
            try
            {
                while (true)
                {
                    _elapsed = time.GetElapsedTime(start);
                    var done = duration is { } d && _elapsed >= d;
                    // Reads owed by now; a slow broker is caught up on, but by at most a second's worth per tick.
                    var due = (long)(rate * Math.Min(_elapsed.TotalSeconds, (duration ?? TimeSpan.MaxValue).TotalSeconds));
                    due = Math.Min(due, _sent + (long)Math.Ceiling(rate));
                    if (maxReads is { } cap)
                    {
                        due = Math.Min(due, cap);
                    }

                    if (due > _sent)
                    {
                        await SendAsync(due - _sent, cancellationToken);
                    }

                    if (done || (maxReads is { } limit && _sent >= limit))
                    {
                        break;
                    }

                    if (_elapsed >= nextProgress)
                    {
                        Console.WriteLine($"{_elapsed.TotalSeconds,6:0} s: {_sent:N0} reads in {_messages:N0} messages ({_sent / _elapsed.TotalSeconds:N0}/s), {fleet.Passes:N0} passes");
                        nextProgress += ProgressEvery;
                    }

                    await timer.WaitForNextTickAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped (Ctrl+C, docker stop): what was sent is summed up.
            }

            _elapsed = time.GetElapsedTime(start);
        }

        /// <summary>Plans passes until <paramref name="owed"/> reads are in hand, numbers them per reader, and publishes one batch per reader.</summary>
        private async Task SendAsync(long owed, CancellationToken cancellationToken)
        {
            var batch = new Dictionary<string, List<TagRead>>(StringComparer.Ordinal);
            long gathered = 0;
            var now = time.GetUtcNow();
            while (gathered < owed)
            {
                // About ten reads a pass: plan roughly what is owed, spread over the last tick.
                var passes = (int)Math.Clamp((owed - gathered) / 10, 1, 1_000);
                var from = now - PassLead - Tick;
                foreach (var (reader, reads) in fleet.Next(passes, from, Tick / passes))
                {
                    foreach (var read in reads)
                    {
                        if (gathered == owed)
                        {
                            break; // the last pass is cut short: --reads is exact
                        }

                        // Made on a reader's first read, so a reader whose reads were all cut off is not summed up as sending 0.
                        if (!batch.TryGetValue(reader, out var list))
                        {
                            batch[reader] = list = [];
                        }

                        list.Add(read);
                        gathered++;
                    }
                }
            }

            var sends = new List<Task>();
            foreach (var (reader, reads) in batch)
            {
                reads.Sort((a, b) => a.ReadAt.CompareTo(b.ReadAt));
                var number = _eventNum.TryGetValue(reader, out var last) ? last : _firstEventNum;
                for (var i = 0; i < reads.Count; i++)
                {
                    reads[i] = reads[i] with { EventNum = ++number };
                }

                _eventNum[reader] = number;
                _perReader[reader] = _perReader.GetValueOrDefault(reader) + reads.Count;
                foreach (var chunk in reads.Chunk(MaxReadsPerMessage))
                {
                    sends.Add(transport.SendAsync(reader, chunk, cancellationToken));
                    _messages++;
                }
            }

            await Task.WhenAll(sends);
            _sent += gathered;
        }

        public string Summary()
        {
            var seconds = Math.Max(_elapsed.TotalSeconds, 1e-3);
            return $"sent {_sent:N0} reads of {fleet.Passes:N0} passes in {_messages:N0} messages over {seconds:0.0} s ({_sent / seconds:N0} reads/s), " +
                $"{transport.Acknowledged:N0} acknowledged by the broker; per reader: " +
                string.Join(", ", _perReader.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value:N0}"));
        }
    }
}
