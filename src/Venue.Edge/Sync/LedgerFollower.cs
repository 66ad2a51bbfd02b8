using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Venue.Domain.Attendees;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Domain.Ledger;
using Venue.Domain.Sync;
using Venue.Domain.Tickets;
using Venue.Runtime;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Sync;

/// <summary>
/// Follows central's ledger and passage feed with long polls on <c>/changes</c>: new and changed
/// attendees go into the ledger, revoked tokens onto its list, and admissions and exits made at
/// other edges to the attendees' grains (last writer wins by HLC), so a badge admitted at the north
/// entrance is refused at the south one. Each page is applied, then stored in sync.db with the
/// version and cursor to ask from next, in one transaction: a crash in between means the page comes
/// again, and applying a page twice changes nothing.
/// </summary>
internal sealed class LedgerFollower(
    string edgeId,
    AttendeeLedger ledger,
    IGrainFactory grains,
    SqliteCheckInJournal journal,
    EdgeSyncStore store,
    string snapshotPath,
    CentralClient client,
    CentralSyncOptions options,
    TimeProvider time,
    LinkHealth health,
    ILogger logger,
    Action progressed)
{
    private readonly object _gate = new();
    private long _passagesCursor = store.ReadCursor().PassagesCursor;
    private StoredMarks _marks = store.ReadMarks();
    private long _remoteApplied;
    private readonly Dictionary<(string Edge, long Seq), RemoteOutcome> _appliedUnrecorded = [];
    private DateTimeOffset? _lastAnswerAt;
    // A key list from central this edge could not hold: not fetched again until central's fingerprint moves on.
    private string? _refusedKeys;

    /// <summary>A remote passage stamped further than this ahead of this edge's clock is logged: one of the two clocks is wrong.</summary>
    internal static readonly TimeSpan ClockAheadWarning = TimeSpan.FromMinutes(2);

    private long _clockAheadWarnedTicks;

    public long PassagesCursor => Interlocked.Read(ref _passagesCursor);

    /// <summary>Remote passages that moved an attendee since start (older ones lost to a newer passage).</summary>
    public long RemotePassagesApplied => Interlocked.Read(ref _remoteApplied);

    /// <summary>When central last answered /changes; null before its first answer.</summary>
    public DateTimeOffset? LastAnswerAt
    {
        get { lock (_gate) { return _lastAnswerAt; } }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = new Backoff(options.RetryMin, options.RetryMax);
        while (!cancellationToken.IsCancellationRequested)
        {
            var asked = time.GetTimestamp();
            try
            {
                // A mark is shown only with the position it came with: the ledger's version may have
                // moved without one (a newer snapshot file at start), and so may an older build's cursor.
                var version = ledger.Version;
                var cursor = PassagesCursor;
                var answer = await client.GetChangesAsync(version, cursor, options.ChangesWait, cancellationToken,
                    _marks.LedgerVersion == version ? _marks.LedgerAt : null, _marks.PassagesCursor == cursor ? _marks.PassagesAt : null);
                var page = answer.Page;
                await ApplyAsync(answer, cancellationToken);
                lock (_gate)
                {
                    _lastAnswerAt = time.GetUtcNow();
                }

                health.Succeeded();
                backoff.Reset();
                progressed();
                var empty = page.Attendees is not { Count: > 0 } && page.RevokedTokens is not { Count: > 0 } && page.Passages is not { Count: > 0 };
                if (empty && !page.More && time.GetElapsedTime(asked) < TimeSpan.FromTicks(Math.Max(options.ChangesWait.Ticks / 2, options.RetryMin.Ticks)))
                {
                    // Central answered "nothing new" without holding the request (it restarted, ignores
                    // wait, or was asked not to wait): pause a little rather than asking again in a tight loop.
                    await Task.Delay(options.RetryMin, time, cancellationToken);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                if (e is not (CentralException or SqliteException or IOException))
                {
                    logger.LogError(e, "Applying ledger changes from central failed unexpectedly; asking again.");
                }

                var delay = backoff.Next();
                health.Failed(e, delay);
                progressed();
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    private async Task ApplyAsync(ChangesAnswer answer, CancellationToken cancellationToken)
    {
        var page = answer.Page;
        if (page.LedgerVersion < ledger.Version || page.PassagesCursor < PassagesCursor)
        {
            await RewindAsync(page, cancellationToken);
            return;
        }

        var lines = new List<string>(page.Attendees?.Count ?? 0);
        foreach (var attendee in page.Attendees ?? [])
        {
            // Through the snapshot reader's own parser: a change line obeys exactly the rules of a snapshot line.
            var utf8 = JsonSerializer.SerializeToUtf8Bytes(attendee, SyncJsonContext.Default.LedgerAttendee);
            try
            {
                ledger.Upsert(LedgerSnapshot.ParseLine(utf8, ledger, $"{client.BaseAddress} /changes"));
                lines.Add(Encoding.UTF8.GetString(utf8));
            }
            catch (Exception e) when (e is LedgerFormatException or ArgumentException)
            {
                // Ticket types and keys come only with a snapshot; an attendee this ledger cannot hold is skipped, loudly.
                logger.LogError("Ledger change for attendee '{Attendee}' skipped: {Problem}", attendee?.Id, e.Message);
            }
        }

        var revoked = new List<string>(page.RevokedTokens?.Count ?? 0);
        foreach (var token in page.RevokedTokens ?? [])
        {
            if (TokenHash.TryParse(token, out var hash))
            {
                ledger.RevokeToken(hash);
                revoked.Add(token);
            }
            else
            {
                logger.LogError("Revoked token hash '{Token}' from central skipped: not 22 base64url characters.", token);
            }
        }

        var passages = await ApplyPassagesAsync(page.Passages ?? [], cancellationToken);
        try
        {
            store.RecordPage(page.LedgerVersion, page.PassagesCursor, lines, revoked, passages, answer.LedgerAt, answer.PassagesAt);
            _marks = new StoredMarks(answer.LedgerAt, page.LedgerVersion, answer.PassagesAt, page.PassagesCursor);
            _appliedUnrecorded.Clear();
        }
        catch
        {
            // Applied in memory but not stored: when the page comes again, these no longer apply (they
            // are not newer than what they set), yet a restart must restore them, so they are stored as applied then.
            foreach (var p in passages.Where(p => p.Outcome != RemoteOutcome.Ignored))
            {
                _appliedUnrecorded[(p.Passage.EdgeId, p.Seq)] = p.Outcome;
            }

            throw;
        }
        ledger.Version = page.LedgerVersion;
        Interlocked.Exchange(ref _passagesCursor, page.PassagesCursor);

        // After the page is stored: if fetching the keys fails, the next page brings the fingerprint again.
        var keysChanged = answer.KeysFingerprint is { } fingerprint && await FollowKeysAsync(fingerprint, cancellationToken);
        if (keysChanged || store.ChangeRows >= options.CompactAfterChanges)
        {
            var version = await LedgerBootstrap.WriteSnapshotAsync(ledger, snapshotPath, time, cancellationToken);
            store.RecordCompaction(version);
            logger.LogInformation("Rewrote {Snapshot} at ledger version {Version} ({Attendees} attendees) and dropped the stored changes it holds.",
                snapshotPath, version, ledger.Count);
        }
    }

    /// <summary>
    /// Central's keys differ from the ring's (a rotation, or a key retired at central): the ring takes
    /// central's whole list, so badges signed with a new key verify here and a retired key stops
    /// verifying (a badge it signed still passes where the ledger holds that exact token). The
    /// snapshot is rewritten with the new keys (a restart reads them from there). A list that cannot
    /// be held is logged once and the old keys kept. Returns whether the ring changed.
    /// </summary>
    private async Task<bool> FollowKeysAsync(string fingerprint, CancellationToken cancellationToken)
    {
        if (fingerprint == _refusedKeys || fingerprint == ledger.Keys.Fingerprint)
        {
            return false;
        }

        LedgerKeysWire wire;
        try
        {
            wire = await client.GetKeysAsync(cancellationToken);
        }
        catch (CentralException e)
        {
            // The page is applied and stored: the uplink is not failing. The next answer's fingerprint asks again.
            logger.LogWarning("Central's badge keys changed but could not be fetched; asking again with the next answer: {Problem}", e.Message);
            return false;
        }

        try
        {
            var keys = (wire.Keys ?? []).Select(k => (k.Kid, Convert.FromBase64String(k.PublicKey))).ToList();
            if (keys.Count == 0)
            {
                throw new InvalidDataException("central lists no key at all");
            }

            var (added, dropped) = ledger.Keys.ReplaceWith(keys);
            logger.LogWarning("Central's badge keys changed: this edge now honours {Keys} (new or changed: {Added}; no longer honoured: {Dropped}).",
                string.Join(", ", keys.Select(k => k.Kid)), added.Count == 0 ? "none" : string.Join(", ", added), dropped.Count == 0 ? "none" : string.Join(", ", dropped));
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or FormatException)
        {
            _refusedKeys = fingerprint;
            logger.LogError("Central's badge keys cannot be held, so this edge keeps {Keys}: {Problem}",
                string.Join(", ", ledger.Keys.KeyIds.Order(StringComparer.Ordinal)), e.Message);
            return false;
        }
    }

    /// <summary>
    /// Central answered from behind this edge's positions: it was restored from an older backup. The
    /// versions and feed ids it hands out from there on may name changes this edge has never seen
    /// (a revocation made after the restore gets a version this edge already passed), and there is no
    /// telling which, so the edge asks again from the start: applying what it holds already changes
    /// nothing. First the stored snapshot is rewritten from memory at version 0 and every stored change
    /// dropped, because a restart applies only stored changes above the snapshot's version, and the
    /// ones central hands out again would otherwise sit below it. What central lost stays in this
    /// edge's ledger: a restore cannot unsay a registration.
    /// </summary>
    private async Task RewindAsync(LedgerChangesWire page, CancellationToken cancellationToken)
    {
        logger.LogWarning(
            "Central answered ledger version {Version} and passage cursor {Cursor}, behind this edge's {Current} and {CurrentCursor}: was central restored from an older backup? Asking it for everything again.",
            page.LedgerVersion, page.PassagesCursor, ledger.Version, PassagesCursor);
        await LedgerBootstrap.WriteSnapshotAsync(ledger, snapshotPath, time, cancellationToken, stamp: 0);
        store.RecordRewind(0, 0);
        _marks = new StoredMarks(null, 0, null, 0);
        ledger.Version = 0;
        Interlocked.Exchange(ref _passagesCursor, 0);
    }

    /// <summary>
    /// This edge's clock follows any passage stamped ahead of it (so its own later entries come after
    /// it), which is right when the other edge's clock is right. When one of them is minutes off, the
    /// operator has to hear of it: at most once a minute.
    /// </summary>
    private void WarnIfAhead(RemotePassage newest)
    {
        var now = time.GetUtcNow();
        var ahead = HybridLogicalClock.ToTime(newest.Hlc) - now;
        var last = Interlocked.Read(ref _clockAheadWarnedTicks);
        if (ahead > ClockAheadWarning && now.UtcTicks - last >= TimeSpan.TicksPerMinute && Interlocked.CompareExchange(ref _clockAheadWarnedTicks, now.UtcTicks, last) == last)
        {
            logger.LogWarning("A passage from edge {Edge} is stamped {Minutes} minutes ahead of this edge's clock. This edge's next entries are stamped after it, so until the clocks agree they are ordered by count, not by time, across edges. Check the clocks (NTP) of edge {Edge} and of this edge.",
                newest.EdgeId, Math.Round(ahead.TotalMinutes), newest.EdgeId);
        }
    }

    private async Task<IReadOnlyList<StoredPassage>> ApplyPassagesAsync(IReadOnlyList<PassageWire> wires, CancellationToken cancellationToken)
    {
        var passages = new List<(RemotePassage Passage, long Seq)>(wires.Count);
        foreach (var w in wires)
        {
            if (w is null || string.IsNullOrEmpty(w.Attendee) || string.IsNullOrEmpty(w.Edge) || string.IsNullOrEmpty(w.Gate) || w.Hlc <= 0
                || w.Hlc > HybridLogicalClock.MaxFollowed || !ScanReasons.TryParse(w.Reason, out var reason) || !reason.IsPresenceEvidence())
            {
                logger.LogError("Passage from central skipped: {Passage} is not an admission or exit (or an exit refused as not_inside) with attendee, edge, gate and a positive hlc this edge may follow (before the year 3000).", w);
                continue;
            }

            if (string.Equals(w.Edge, edgeId, StringComparison.Ordinal))
            {
                continue; // our own, relayed back: already in this edge's journal
            }

            passages.Add((new RemotePassage(w.Attendee, w.Edge, w.Gate, reason, w.Hlc, w.At), w.Seq));
        }

        if (passages.Count == 0)
        {
            return [];
        }

        // Before any is applied: every local entry journaled from now on is stamped later than these,
        // which keeps applied passages in HLC order and makes a restart rebuild the same state.
        var newest = passages.MaxBy(p => p.Passage.Hlc).Passage;
        WarnIfAhead(newest);
        journal.ObserveHlc(newest.Hlc);
        passages.Sort((a, b) => a.Passage.Hlc.CompareTo(b.Passage.Hlc));
        // Issued in HLC order; calls to one attendee's grain run in that order, different attendees in parallel.
        // A passage of a page that came again because storing it failed changed its attendee then: not again.
        var outcomes = await Task.WhenAll(passages.Select(p => _appliedUnrecorded.TryGetValue((p.Passage.EdgeId, p.Seq), out var earlier)
                ? Task.FromResult(earlier)
                : grains.GetGrain<IAttendeeGrain>(p.Passage.AttendeeId).ApplyRemoteAsync(p.Passage)))
            .WaitAsync(cancellationToken);
        Interlocked.Add(ref _remoteApplied, outcomes.Count(o => o == RemoteOutcome.Applied));
        return [.. passages.Select((p, i) => new StoredPassage(p.Passage, p.Seq, outcomes[i]))];
    }
}
