using System.Text;
using Microsoft.Extensions.Logging;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;
using Venue.Edge.Silo;

namespace Venue.Edge.Sync;

/// <summary>
/// Which ledger an edge starts on, in this order: the snapshot the uplink keeps in
/// <c>{DataDirectory}/ledger.jsonl</c> (LedgerPath is then only the first boot's seed); else
/// <c>Edge:LedgerPath</c>; else, with a central configured, a snapshot downloaded before the edge
/// starts. Then the ledger changes stored since that snapshot are applied on top.
/// </summary>
internal static class LedgerBootstrap
{
    public const string SnapshotFile = "ledger.jsonl";
    public const string StoreFile = "sync.db";

    public static string SnapshotPath(string dataDirectory) => Path.Combine(dataDirectory, SnapshotFile);

    public static string StorePath(string dataDirectory) => Path.Combine(dataDirectory, StoreFile);

    /// <summary>The sync store, for an edge with a central or one that had one (it keeps its stored changes and passages).</summary>
    public static EdgeSyncStore? OpenStore(EdgeSiloOptions options) =>
        options.Central.IsEnabled || File.Exists(StorePath(options.DataDirectory)) ? EdgeSyncStore.Open(StorePath(options.DataDirectory), options.EdgeId) : null;

    public static async Task<(AttendeeLedger Ledger, string Source)> LoadAsync(EdgeSiloOptions options, EdgeSyncStore? store, TimeProvider time,
        ILogger logger, HttpMessageHandler? centralHandler, CancellationToken cancellationToken)
    {
        var stored = SnapshotPath(options.DataDirectory);
        if (File.Exists(stored))
        {
            return (await LedgerSnapshot.ReadFileAsync(stored, cancellationToken), stored);
        }

        if (!options.Central.IsEnabled || (!string.IsNullOrWhiteSpace(options.LedgerPath) && File.Exists(options.LedgerPath)))
        {
            // A standalone edge reads LedgerPath exactly as before, missing file and all.
            return (await LedgerSnapshot.ReadFileAsync(options.LedgerPath, cancellationToken), options.LedgerPath);
        }

        return (await DownloadAsync(options, store!, time, logger, centralHandler, cancellationToken), options.Central.Url!);
    }

    /// <summary>
    /// Downloads central's snapshot into ledger.jsonl, retrying with backoff until it gets a valid
    /// one: an edge with no ledger cannot answer a scan, so there is nothing better to do.
    /// </summary>
    private static async Task<AttendeeLedger> DownloadAsync(EdgeSiloOptions options, EdgeSyncStore store, TimeProvider time, ILogger logger,
        HttpMessageHandler? centralHandler, CancellationToken cancellationToken)
    {
        var central = options.Central;
        using var client = CentralClient.Create(central, centralHandler);
        var backoff = new Backoff(central.RetryMin, central.RetryMax);
        var target = SnapshotPath(options.DataDirectory);
        var temporary = target + ".download";
        Directory.CreateDirectory(options.DataDirectory);
        for (var attempt = 1; ; attempt++)
        {
            string problem;
            try
            {
                var download = await client.DownloadSnapshotAsync(temporary, cancellationToken);
                // The whole file is validated before it replaces anything: an edge must not start on half a ledger.
                var ledger = await LedgerSnapshot.ReadFileAsync(temporary, cancellationToken);
                if (download.LedgerVersion is { } announced && announced != ledger.Version)
                {
                    logger.LogWarning("Central sent a snapshot whose header says version {FileVersion} with {Header}: {Announced}; following on from the file's.",
                        ledger.Version, Domain.Sync.SyncHeaders.LedgerVersion, announced);
                }

                File.Move(temporary, target, overwrite: true);
                store.RecordSnapshot(ledger.Version, download.PassagesCursor);
                logger.LogInformation("Edge {EdgeId}: downloaded the ledger from {Central}: {Attendees} attendees at version {Version}, {Bytes} bytes.",
                    options.EdgeId, client.BaseAddress, ledger.Count, ledger.Version, download.Bytes);
                return ledger;
            }
            catch (CentralException e)
            {
                problem = e.Message;
            }
            catch (LedgerFormatException e)
            {
                problem = $"central's snapshot is not a valid venue-ledger/1 file: {e.Message}";
            }

            var delay = backoff.Next();
            logger.LogWarning("Edge {EdgeId} has no ledger yet and could not download one (attempt {Attempt}): {Problem} Retrying in {Delay} ms.",
                options.EdgeId, attempt, problem, (int)delay.TotalMilliseconds);
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    /// <summary>Applies the changes stored since the snapshot was taken, and returns how many there were.</summary>
    public static int ApplyStoredChanges(EdgeSyncStore store, AttendeeLedger ledger, ILogger logger)
    {
        var snapshotVersion = ledger.Version;
        var changes = store.ReadChanges(snapshotVersion);
        foreach (var change in changes)
        {
            if (change.AttendeeLine is { } line)
            {
                try
                {
                    ledger.Upsert(LedgerSnapshot.ParseLine(Encoding.UTF8.GetBytes(line), ledger, store.Path));
                }
                catch (Exception e) when (e is LedgerFormatException or ArgumentException)
                {
                    logger.LogError("A stored ledger change no longer applies and is skipped: {Problem}", e.Message);
                }
            }
            else if (TokenHash.TryParse(change.RevokedToken, out var hash))
            {
                ledger.RevokeToken(hash);
            }
        }

        var cursor = store.ReadCursor();
        ledger.Version = Math.Max(snapshotVersion, Math.Max(cursor.LedgerVersion, changes.Count > 0 ? changes[^1].Version : 0));
        return changes.Count;
    }

    /// <summary>
    /// Writes the ledger as it is in memory to <paramref name="path"/> (a temporary file renamed into
    /// place), stamped with the version it held when the write began, or with <paramref name="stamp"/>.
    /// Attendees changed during the write are newer than that, which is harmless: their change rows
    /// stay above the version and are applied again on the next start.
    /// </summary>
    public static async Task<long> WriteSnapshotAsync(AttendeeLedger ledger, string path, TimeProvider time, CancellationToken cancellationToken,
        long? stamp = null)
    {
        var version = stamp ?? ledger.Version;
        var header = new LedgerHeader(LedgerSnapshot.Format, ledger.EventId, null, version, time.GetUtcNow(),
            [.. ledger.Keys.KeyIds.Order(StringComparer.Ordinal).Select(k => new LedgerKey(k, Convert.ToBase64String(ledger.Keys.ExportPublicKey(k))))],
            [.. ledger.TicketTypes.Select(t => new LedgerTicketType(t.Name, t.Reentry, t.Gates))],
            [.. ledger.RevokedTokens.Select(TokenHash.Format)]);
        var temporary = path + ".compact";
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            await LedgerSnapshot.WriteAsync(file, header, ledger.Attendees.Select(LedgerSnapshot.ToLine), cancellationToken);
            await file.FlushAsync(cancellationToken);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        return version;
    }
}
