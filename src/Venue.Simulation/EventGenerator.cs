using System.Text;
using Bogus;
using Venue.Domain.Gates;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;

namespace Venue.Simulation;

/// <summary>
/// Makes a realistic event: Bogus names, a mix of ticket types, a staff entrance that only some
/// ticket types may use, a few revoked attendees and some day-two passes, each with a real signed
/// badge. Deterministic for a seed (signatures aside: ECDSA signing is randomized).
/// </summary>
public static class EventGenerator
{
    public static readonly IReadOnlyList<TicketType> TicketTypes =
    [
        new("general", Reentry: true, Gates: null),
        new("vip", Reentry: true, Gates: null),
        new("exhibitor", Reentry: true, Gates: null),
        new("press", Reentry: true, Gates: null),
        new("day-pass", Reentry: false, Gates: null),
    ];

    /// <summary>Ticket types that may use the staff entrances.</summary>
    public static readonly IReadOnlyList<string> StaffTicketTypes = ["vip", "exhibitor", "press"];

    public static IReadOnlyList<GateDefinition> MakeGates(int count)
    {
        // About one gate in ten (at least one when there are four or more) is a staff entrance.
        var staff = count >= 4 ? Math.Max(1, count / 10) : 0;
        return [.. Enumerable.Range(1, count).Select(i => i > count - staff
            ? new GateDefinition($"S{i:D2}", $"Staff entrance {i}", "hall-a", StaffTicketTypes)
            : new GateDefinition($"G{i:D2}", $"Gate {i}", "hall-a"))];
    }

    public static GeneratedEvent Generate(EventSpec spec, TicketSigningKey key, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(key);
        spec.Validate();
        var faker = new Faker("en") { Random = new Randomizer(spec.Seed) };
        var random = new Random(spec.Seed);
        var opening = spec.Opening.ToUnixTimeSeconds();
        var dayTwo = spec.Opening.AddDays(1).ToUnixTimeSeconds();
        var closing = spec.Opening.AddDays(3).ToUnixTimeSeconds();

        var drafts = new (string Id, string Name, string Type, AttendeeStatus Status, bool Today)[spec.Attendees];
        for (var i = 0; i < drafts.Length; i++)
        {
            var roll = random.NextDouble();
            var type = roll switch
            {
                < 0.78 => "general",
                < 0.83 => "vip",
                < 0.93 => "exhibitor",
                < 0.96 => "press",
                _ => "day-pass",
            };
            var status = random.NextDouble() < spec.RevokedShare ? AttendeeStatus.Revoked : AttendeeStatus.Active;
            var today = random.NextDouble() >= spec.NextDayShare;
            drafts[i] = ($"A{i + 1:D7}", faker.Name.FullName(), type, status, today);
        }

        // Signing is the slow part (tens of µs a badge): one key instance per worker, since ECDsa
        // instances are not safe to share across threads.
        var pem = key.ExportPrivatePem();
        var tokens = new string[drafts.Length];
        var done = 0;
        // Cancelled (Ctrl+C), the workers stop at their next badge rather than signing millions more.
        Parallel.For(0, drafts.Length, new ParallelOptions { CancellationToken = cancellationToken }, () => TicketSigningKey.FromPrivatePem(key.KeyId, pem), (i, _, signer) =>
        {
            var d = drafts[i];
            tokens[i] = signer.Issue(new BadgeClaims(key.KeyId, spec.EventId, d.Id, d.Type, d.Today ? opening : dayTwo, closing));
            var n = Interlocked.Increment(ref done);
            if (n % 10_000 == 0)
            {
                progress?.Report(n);
            }

            return signer;
        }, signer => signer.Dispose());

        var types = TicketTypes.ToDictionary(t => t.Name);
        var keys = new TicketKeyRing();
        keys.Add(key.KeyId, key.ExportPublicKey());
        var ledger = new AttendeeLedger(spec.EventId, TicketTypes, keys, drafts.Length);
        var badges = new GeneratedBadge[drafts.Length];
        for (var i = 0; i < drafts.Length; i++)
        {
            var d = drafts[i];
            ledger.Upsert(new AttendeeRecord(d.Id, d.Name, types[d.Type], d.Today ? opening : dayTwo, closing, d.Status, TokenHash.Of(tokens[i]), null));
            badges[i] = new GeneratedBadge(d.Id, d.Name, d.Type, tokens[i], d.Status, d.Today);
        }

        var header = new LedgerHeader(LedgerSnapshot.Format, spec.EventId, $"Demo event {spec.EventId}", 1, spec.Opening,
            [new LedgerKey(key.KeyId, Convert.ToBase64String(key.ExportPublicKey()))],
            [.. TicketTypes.Select(t => new LedgerTicketType(t.Name, t.Reentry, t.Gates))],
            []);
        return new GeneratedEvent(spec, ledger, header, MakeGates(spec.Gates), badges);
    }

    /// <summary>Writes the ledger snapshot an edge loads.</summary>
    public static Task WriteLedgerAsync(GeneratedEvent generated, string path, CancellationToken cancellationToken = default) =>
        WriteFilesAsync(generated, path, badgesPath: null, progress: null, cancellationToken);

    /// <summary>Writes the badges (id, name, ticket type, token) as CSV, what a badge printer takes.</summary>
    public static Task WriteBadgesAsync(GeneratedEvent generated, string path, CancellationToken cancellationToken = default) =>
        WriteFilesAsync(generated, ledgerPath: null, path, progress: null, cancellationToken);

    /// <summary>
    /// Writes the ledger and the badges that go with it: both go to temporary files of their own
    /// (concurrent runs do not share one) flushed to disk, then the badges replace theirs and the
    /// ledger replaces its own last, since an edge loads the ledger. A failure while writing leaves
    /// both old files as they were; a failure of the last rename alone leaves the new badges beside
    /// the old ledger (the badges are a printout, the ledger is what edges trust). Temporary files
    /// are deleted on failure.
    /// <paramref name="progress"/> hears how many lines have been written, every 100,000.
    /// </summary>
    public static async Task WriteFilesAsync(GeneratedEvent generated, string? ledgerPath, string? badgesPath,
        IProgress<int>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generated);
        var written = 0;
        IEnumerable<T> Counted<T>(IEnumerable<T> lines) => lines.Select(line =>
        {
            if (++written % 100_000 == 0)
            {
                progress?.Report(written);
            }

            return line;
        });

        var temporaries = new List<(string Temporary, string Path)>();
        try
        {
            if (ledgerPath is not null)
            {
                var temporary = await WriteTemporaryAsync(ledgerPath, stream => LedgerSnapshot.WriteAsync(stream, generated.Header,
                    Counted(generated.Ledger.Attendees.OrderBy(a => a.Id, StringComparer.Ordinal).Select(LedgerSnapshot.ToLine)), cancellationToken), cancellationToken);
                temporaries.Add((temporary, ledgerPath));
            }

            if (badgesPath is not null)
            {
                var temporary = await WriteTemporaryAsync(badgesPath, async stream =>
                {
                    await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
                    await writer.WriteLineAsync("attendee_id,name,ticket_type,token");
                    foreach (var b in Counted(generated.Badges))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        await writer.WriteLineAsync($"{b.AttendeeId},\"{b.Name.Replace("\"", "\"\"", StringComparison.Ordinal)}\",{b.TicketType},{b.Token}");
                    }
                }, cancellationToken);
                temporaries.Insert(0, (temporary, badgesPath));
            }

            // Badges first, the ledger last.
            while (temporaries.Count > 0)
            {
                File.Move(temporaries[0].Temporary, temporaries[0].Path, overwrite: true);
                temporaries.RemoveAt(0);
            }
        }
        finally
        {
            foreach (var (temporary, _) in temporaries)
            {
                try
                {
                    File.Delete(temporary);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The failure that brought us here is the one to report; a leftover temporary file is named *.tmp.
                }
            }
        }
    }

    /// <summary>Writes a file next to <paramref name="path"/> under a name of its own, flushed to disk; returns that name.</summary>
    private static async Task<string> WriteTemporaryAsync(string path, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = $"{full}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await write(file);
            await file.FlushAsync(cancellationToken);
            file.Flush(flushToDisk: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        return temporary;
    }
}
