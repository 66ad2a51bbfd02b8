using System.CommandLine;
using System.Diagnostics;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;
using Venue.Simulation;

namespace Venue.Cli.Commands;

/// <summary><c>venue ledger generate | inspect</c>: demo ledgers with real signed badges.</summary>
public static class LedgerCommand
{
    public static Command Create()
    {
        var ledger = new Command("ledger", "Attendee ledger snapshots (format venue-ledger/1, see docs/ledger-format.md).");
        ledger.Subcommands.Add(Generate());
        ledger.Subcommands.Add(Inspect());
        return ledger;
    }

    private static Command Generate()
    {
        var attendees = new Option<int>("--attendees") { Description = "How many attendees.", DefaultValueFactory = _ => 15_000 };
        var gates = new Option<int>("--gates") { Description = "How many gates (about one in ten becomes a staff entrance).", DefaultValueFactory = _ => 40 };
        var eventId = new Option<string>("--event") { Description = "Event id printed into badges.", DefaultValueFactory = _ => "demo" };
        var keyFile = new Option<FileInfo>("--key") { Description = "Private key PEM from 'venue keys create' (its file name gives the key id).", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Ledger snapshot to write.", DefaultValueFactory = _ => new FileInfo("data/ledger.jsonl") };
        // Next to the ledger unless given: a ledger written elsewhere must not overwrite the badges of the one in data/.
        var badges = new Option<FileInfo?>("--badges") { Description = "CSV of badges (attendee id, name, ticket type, token) to write. [default: badges.csv next to --out]" };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 42 };
        var command = new Command("generate", "Generate a realistic demo ledger (Bogus names, ticket mix, revoked and next-day badges) with signed badges.")
        {
            attendees, gates, eventId, keyFile, output, badges, seed,
        };
        command.SetAction((parse, ct) => VenueCommandLine.Guard(async () =>
        {
            // User errors first, before any work: one line and exit 2 (VenueCommandLine.Guard).
            var eventIdValue = parse.GetValue(eventId);
            if (!LedgerSnapshot.IsValidEventId(eventIdValue))
            {
                throw new ArgumentException($"--event must be 1 to {LedgerSnapshot.MaxEventIdBytes} bytes of UTF-8 (every badge carries it); got {(string.IsNullOrEmpty(eventIdValue) ? "an empty one" : $"{System.Text.Encoding.UTF8.GetByteCount(eventIdValue)} bytes")}.");
            }

            var keyPath = parse.GetValue(keyFile)!;
            if (keyPath.Name.EndsWith(".public.pem", StringComparison.Ordinal))
            {
                throw new ArgumentException($"--key {keyPath.Name} is a public key; badges are signed with the private one ({keyPath.Name[..^".public.pem".Length]}.private.pem from 'venue keys create').");
            }

            if (!keyPath.Exists)
            {
                throw new IOException($"Key file {keyPath.FullName} does not exist; create one with 'venue keys create'.");
            }

            var ledgerFile = parse.GetValue(output)!;
            var badgesFile = parse.GetValue(badges) ?? new FileInfo(Path.Combine(ledgerFile.DirectoryName ?? ".", "badges.csv"));
            CheckOutputs(keyPath, ledgerFile, badgesFile);
            var kid = keyPath.Name.EndsWith(".private.pem", StringComparison.Ordinal) ? keyPath.Name[..^".private.pem".Length] : Path.GetFileNameWithoutExtension(keyPath.Name);
            var pem = await File.ReadAllTextAsync(keyPath.FullName, ct);
            if (pem.Contains("-----BEGIN PUBLIC KEY-----", StringComparison.Ordinal))
            {
                throw new ArgumentException($"--key {keyPath.Name} holds a public key; badges are signed with the private key from 'venue keys create'.");
            }

            using var key = TicketSigningKey.FromPrivatePem(kid, pem);

            // Today's date in UTC as a UTC time: DateTime.UtcNow.Date alone is a DateTime of unspecified
            // kind, which DateTimeOffset would read as local midnight and shift by the host's time zone.
            var opening = new DateTimeOffset(TimeProvider.System.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero);
            var spec = new EventSpec(eventIdValue!, parse.GetValue(attendees), parse.GetValue(gates), parse.GetValue(seed), opening);
            var watch = Stopwatch.StartNew();
            var generated = EventGenerator.Generate(spec, key, new InOrder(n => Console.Error.WriteLine($"  signed {n:N0} badges")), ct);
            await EventGenerator.WriteFilesAsync(generated, ledgerFile.FullName, badgesFile.FullName,
                new InOrder(n => Console.Error.WriteLine($"  wrote {n:N0} lines")), ct);
            Console.WriteLine($"Generated {generated.Badges.Count:N0} attendees for event '{spec.EventId}' with key '{kid}' in {watch.Elapsed.TotalSeconds:0.0} s.");
            Console.WriteLine($"  ledger: {ledgerFile.FullName}");
            Console.WriteLine($"  badges: {badgesFile.FullName}");
            Console.WriteLine("  gates for the edge's config:");
            foreach (var g in generated.Gates)
            {
                Console.WriteLine($"    {g.Id,-4} {g.Name}{(g.AllowedTicketTypes is { } allowed ? $" (only {string.Join(", ", allowed)})" : "")}");
            }

            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The ledger, the badges and the key are three files: an output named like another (or a key
    /// file) would be overwritten by the generator, and a lost signing key cannot be made again.
    /// </summary>
    private static void CheckOutputs(FileInfo key, FileInfo ledger, FileInfo badges)
    {
        var same = StringComparer.Ordinal;
        if (same.Equals(ledger.FullName, badges.FullName))
        {
            throw new ArgumentException($"--out and --badges are both {ledger.FullName}; give two files.");
        }

        foreach (var (option, file) in new[] { ("--out", ledger), ("--badges", badges) })
        {
            if (same.Equals(file.FullName, key.FullName) || file.Name.EndsWith(".pem", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"{option} {file.FullName} is a key file's name; the generator would overwrite it. Nothing was written.");
            }

            if (Directory.Exists(file.FullName))
            {
                throw new ArgumentException($"{option} {file.FullName} is a directory; give the file to write. Nothing was written.");
            }
        }
    }

    /// <summary>Progress printed on the reporting thread, so lines come out in the order they were reached (Progress&lt;T&gt; posts each to the thread pool).</summary>
    private sealed class InOrder(Action<int> report) : IProgress<int>
    {
        private readonly Lock _printing = new();
        private int _highest;

        public void Report(int value)
        {
            lock (_printing)
            {
                if (value > _highest)
                {
                    _highest = value;
                    report(value);
                }
            }
        }
    }

    private static Command Inspect()
    {
        var file = new Argument<FileInfo>("ledger") { Description = "A ledger snapshot file." };
        var command = new Command("inspect", "Validate a ledger snapshot and summarise it.") { file };
        command.SetAction((parse, ct) => VenueCommandLine.Guard(async () =>
        {
            var watch = Stopwatch.StartNew();
            var ledger = await LedgerSnapshot.ReadFileAsync(parse.GetValue(file)!.FullName, ct);
            Console.WriteLine($"Event '{ledger.EventId}', version {ledger.Version}: {ledger.Count:N0} attendees, read in {watch.ElapsedMilliseconds} ms.");
            Console.WriteLine($"  keys: {string.Join(", ", ledger.Keys.KeyIds)}");
            foreach (var type in ledger.TicketTypes)
            {
                var count = ledger.Attendees.Count(a => a.TicketType == type);
                Console.WriteLine($"  {type.Name,-10} {count,9:N0}  re-entry {(type.Reentry ? "yes" : "no")}");
            }

            Console.WriteLine($"  revoked attendees: {ledger.Attendees.Count(a => a.Status == AttendeeStatus.Revoked):N0}; revoked tokens: {ledger.RevokedTokens.Count():N0}");
            return 0;
        }));
        return command;
    }
}
