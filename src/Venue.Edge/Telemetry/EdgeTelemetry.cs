using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Venue.Domain.Booths;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Domain.Layout;
using Venue.Domain.Leaderboards;
using Venue.Domain.Portals;
using Venue.Domain.Readers;
using Venue.Domain.Zones;
using Venue.Runtime;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Telemetry;

/// <summary>
/// The edge's crowd telemetry: RFID reads and telemetry facts (leads, challenges) go to the read
/// journal first (durable, deduplicated on reader and event number), then through portals,
/// attendee locations and zones. Reads are routed one batch at a time in the order their appends
/// were answered, so the grains see what a replay of the journal will show them after a restart.
/// </summary>
public sealed class EdgeTelemetry : IReadSink, IDisposable
{
    /// <summary>Reads per batch when the journal is replayed on start.</summary>
    internal const int ReplayBatch = 512;

    private readonly IGrainFactory _grains;
    private readonly PortalReadRouter _router;
    private readonly JournalOrderGate _inOrder;
    private readonly SemaphoreSlim _routing = new(1, 1);
    private readonly ILogger _logger;
    private long _unrouted;
    private long _movements;
    private long _gateMoves;
    private long _gateMoveFailures;
    private long _routeFailures;
    private long _routeFailureLoggedTicks;
    private long _clockAhead;
    private readonly TimeSpan _maxClockAhead;
    private readonly TimeProvider _time;
    private long _clockAheadWarnedTicks;
    private readonly Func<string, bool> _inLedger;

    // Attendees a gate admitted or let out that the ledger did not hold then (walk-ins registered
    // after the last ledger sync, admitted on their signed badge): they have a location too.
    private readonly ConcurrentDictionary<string, byte> _passedOutsideLedger = new(StringComparer.Ordinal);

    internal EdgeTelemetry(VenueLayout layout, SqliteReadJournal journal, IGrainFactory grains, ILogger logger, TimeSpan maxClockAhead, TimeProvider time,
        Func<string, bool> inLedger, TimeSpan orderGapTimeout)
    {
        _orderGapTimeout = orderGapTimeout;
        _inLedger = inLedger;
        _maxClockAhead = maxClockAhead;
        _time = time;
        Layout = layout;
        Journal = journal;
        _grains = grains;
        _router = new PortalReadRouter(layout, grains);
        _logger = logger;
        // The journal's reads up to here are routed by the start's replay; live batches follow them in order.
        _inOrder = new JournalOrderGate(journal.LastReadSequence + 1, batch => RoutedAsync(() => _router.RouteAsync(batch), CancellationToken.None), time, orderGapTimeout, OnOrderGapSkipped);
    }

    /// <summary>How long live batches wait for an earlier one that has not come to routing (<see cref="EdgeReadersOptions.OrderGapTimeout"/>).</summary>
    private readonly TimeSpan _orderGapTimeout;

    private void OnOrderGapSkipped(long from, long to) =>
        _logger.LogError("Reads {From} to {To} were journaled but never came to routing within {Timeout}; the reads after them are routed without them (the next start's replay routes them).",
            from, to, _orderGapTimeout);

    public VenueLayout Layout { get; }

    public SqliteReadJournal Journal { get; }

    public bool IsKnownReader(string readerId) => Layout.IsKnownReader(readerId);

    /// <summary>
    /// True for an attendee this edge can place: one in the ledger, or one a gate here has admitted
    /// or let out (a walk-in whose ledger entry has not arrived yet).
    /// </summary>
    public bool CanLocate(string attendeeId) => _inLedger(attendeeId) || _passedOutsideLedger.ContainsKey(attendeeId);

    private void NotePassage(string attendeeId)
    {
        if (!_inLedger(attendeeId))
        {
            _passedOutsideLedger.TryAdd(attendeeId, 0);
        }
    }

    /// <summary>Journals the batch (one disk sync, shared with concurrent batches), then moves people through the portals it reached.</summary>
    public async Task<ReadIngestResult> IngestAsync(IReadOnlyList<TagRead> reads, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reads);
        if (reads.Count == 0)
        {
            return new ReadIngestResult(0, 0);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var clockAhead = 0;
        string? aheadReader = null;
        var latest = _time.GetUtcNow() + _maxClockAhead;
        foreach (var read in reads)
        {
            if (read.ReadAt > latest)
            {
                clockAhead++;
                aheadReader ??= read.ReaderId;
            }
        }

        if (clockAhead > 0)
        {
            reads = [.. reads.Where(r => r.ReadAt <= latest)];
            Interlocked.Add(ref _clockAhead, clockAhead);
            WarnClockAhead(aheadReader!, clockAhead, latest);
            if (reads.Count == 0)
            {
                return new ReadIngestResult(0, 0, clockAhead);
            }
        }

        // A caller that gives up (a reader's HTTP request timing out while the disk syncs) stops
        // waiting, not the work: once the reads are journaled they must also move people, or they
        // would wait for the next start's replay (a retry of them is all duplicates).
        return await UntilGivenUpAsync(JournalAndRouteAsync(reads), "Journaling and routing a batch of reads", cancellationToken) with { ClockAhead = clockAhead };
    }

    /// <summary>
    /// Waits for work that goes on if its caller gives up. When the caller has given up, nobody
    /// awaits the work any more, so its failure (the journal failing, a grain throwing) is logged here.
    /// </summary>
    private async Task<T> UntilGivenUpAsync<T>(Task<T> work, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await work.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !work.IsCompleted)
        {
            _ = work.ContinueWith(static (t, s) =>
                {
                    var (logger, what) = ((ILogger, string))s!;
                    logger.LogError(t.Exception!.InnerException, "{What} went on after its caller gave up, and failed.", what);
                },
                (_logger, what), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>At most once a minute: a reader with a wrong clock sends every read ahead.</summary>
    private void WarnClockAhead(string readerId, int count, DateTimeOffset latest)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var last = Interlocked.Read(ref _clockAheadWarnedTicks);
        if (now - last >= TimeSpan.TicksPerMinute && Interlocked.CompareExchange(ref _clockAheadWarnedTicks, now, last) == last)
        {
            _logger.LogWarning("Dropped {Count} reads stamped after {Latest:O} (more than Edge:Readers:MaxClockAhead ahead of this edge's clock); {Total} since start. Check the clock of reader {Reader} (and any other sending them).",
                count, latest, Interlocked.Read(ref _clockAhead), readerId);
        }
    }

    /// <summary>
    /// Tests only: awaited between a batch's append and its routing, to hold one caller there as a
    /// slow continuation would, and show that the batches journaled after it wait for it.
    /// </summary>
    internal Func<IReadOnlyList<JournaledRead>, Task>? AfterAppendForTests { get; set; }

    private async Task<ReadIngestResult> JournalAndRouteAsync(IReadOnlyList<TagRead> reads)
    {
        var appended = await Journal.AppendReadsAsync(reads, CancellationToken.None);
        if (appended.Accepted.Count > 0)
        {
            if (AfterAppendForTests is { } held)
            {
                await held(appended.Accepted);
            }

            // In journal order, not in the order concurrent appends happen to resume in.
            await _inOrder.PassAsync(appended.Accepted);
        }

        return new ReadIngestResult(appended.Accepted.Count, appended.Duplicates);
    }

    /// <summary>Runs one routing step (a live batch, or a replay's batch, sweep or flush) with none other at once, and counts what it did.</summary>
    private async Task RoutedAsync(Func<Task<RoutedReads>> step, CancellationToken cancellationToken = default)
    {
        await _routing.WaitAsync(cancellationToken);
        try
        {
            var routed = await step();
            Interlocked.Add(ref _unrouted, routed.Unrouted);
            Interlocked.Add(ref _movements, routed.Movements);
            NoteRouteFailures(routed.Failures);
        }
        finally
        {
            _routing.Release();
        }
    }

    /// <summary>
    /// Counts passes that failed to apply, decided by a batch or by a portal's timer (the reads are
    /// journaled and acknowledged all the same: a reader's retry would only be dropped as duplicates)
    /// and logs the first of them, at most once a minute.
    /// </summary>
    internal void NoteRouteFailures(IReadOnlyList<Exception> failures)
    {
        if (failures.Count == 0)
        {
            return;
        }

        var failed = failures.Sum(f => f is PortalMovesFailedException m ? m.Failed : 1);
        if (failures.All(Stopped))
        {
            // The silo is stopping (its runtime stops before the journal commits what is queued): not a fault.
            _logger.LogInformation("{Failed} passes journaled while the edge stopped were not applied; the next start's replay applies them.", failed);
            return;
        }

        var total = Interlocked.Add(ref _routeFailures, failed);
        var now = _time.GetUtcNow().UtcTicks;
        var last = Interlocked.Read(ref _routeFailureLoggedTicks);
        if (now - last >= TimeSpan.TicksPerMinute && Interlocked.CompareExchange(ref _routeFailureLoggedTicks, now, last) == last)
        {
            _logger.LogError(failures[0], "{Failed} passes failed to apply at {Portals} portal(s); {Total} since start. Their reads are journaled: what those passes did not finish (the move, the zone's count or the portal's movement event, depending on where it failed) stays undone until the attendee's next movement or the next start's replay.",
                failed, failures.Count, total);
        }
    }

    /// <summary>A failure that only says the grain runtime has stopped.</summary>
    private static bool Stopped(Exception e) =>
        e is ObjectDisposedException || (e is AggregateException a && a.Flatten().InnerExceptions.All(i => i is ObjectDisposedException));

    /// <summary>
    /// A gate admitted or let out an attendee: admission puts them in the gate's zone, exit takes them
    /// out of every zone. Called after the scan is journaled; never fails the scan.
    /// </summary>
    internal async Task GateAsync(string gateId, string? zone, bool admitted, string attendeeId, DateTimeOffset at)
    {
        try
        {
            NotePassage(attendeeId);
            await _grains.GetGrain<IAttendeeLocationGrain>(attendeeId).GateAsync(gateId, zone, admitted, at);
            Interlocked.Increment(ref _gateMoves);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The passage is journaled; a restart's replay puts the attendee where they belong.
            Interlocked.Increment(ref _gateMoveFailures);
            _logger.LogWarning(e, "Moving attendee {AttendeeId} through gate {GateId} failed; the next start's replay repairs their zone.", attendeeId, gateId);
        }
    }

    /// <summary>
    /// A booth scanned an attendee: journals the lead (idempotent by booth, nonce and attendee), then records it.
    /// A retried capture with the same nonce is applied again and answers <see cref="LeadCaptureOutcome.Updated"/>.
    /// </summary>
    public async Task<LeadCaptureResult> CaptureLeadAsync(string boothId, LeadCapture capture, string nonce, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(capture);
        if (!Layout.TryGetBooth(boothId, out _))
        {
            throw new UnknownBoothException(boothId);
        }

        if (capture.Problem() is { } problem)
        {
            return new LeadCaptureResult(LeadCaptureOutcome.Rejected, null, problem);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var payload = JsonSerializer.Serialize(new LeadPayload(capture.Rating, capture.Notes), TelemetryJsonContext.Default.LeadPayload);
        // As with reads: a caller that gives up (the booth app's request timing out during a group
        // commit) stops waiting, not the work. A journaled lead that is not applied would wait for the
        // next start's replay, and until then the booth, its points and its export would miss it.
        return await UntilGivenUpAsync(CaptureJournaledLeadAsync(new TelemetryFact(TelemetryFactKind.Lead, boothId, capture.AttendeeId, nonce, capture.At, payload)),
            $"Capturing a lead at booth {boothId}", cancellationToken);
    }

    private async Task<LeadCaptureResult> CaptureJournaledLeadAsync(TelemetryFact lead)
    {
        var fact = await AppendFactAsync(lead, CancellationToken.None);
        return await ApplyFactAsync(fact) ?? throw new InvalidOperationException("A lead fact did not reach its booth.");
    }

    /// <summary>An attendee completed a challenge: journals it (idempotent by challenge, nonce and attendee) and awards its points once.</summary>
    public async Task<PointsAward> CompleteChallengeAsync(string challengeId, string attendeeId, string nonce, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        if (!Layout.TryGetChallenge(challengeId, out _))
        {
            throw new ArgumentException($"Challenge '{challengeId}' is not in the venue layout.", nameof(challengeId));
        }

        cancellationToken.ThrowIfCancellationRequested();
        // A caller that gives up stops waiting, not the work (see CaptureLeadAsync).
        return await UntilGivenUpAsync(CompleteJournaledChallengeAsync(new TelemetryFact(TelemetryFactKind.Challenge, challengeId, attendeeId, nonce, at, "{}")),
            $"Completing challenge {challengeId}", cancellationToken);
    }

    private async Task<PointsAward> CompleteJournaledChallengeAsync(TelemetryFact challenge)
    {
        var fact = await AppendFactAsync(challenge, CancellationToken.None);
        await ApplyFactAsync(fact);
        return await AwardChallengeAsync(fact);
    }

    /// <summary>
    /// Journals a fact, idempotent by (kind, subject, nonce) for one attendee: a retry gets the fact
    /// held. A nonce already used at this booth or challenge for another attendee's badge is a new
    /// fact, as a nonce reused with a different badge is a new scan at a gate (docs/scanner-api.md);
    /// it is kept under the nonce scoped by the attendee, so its own retries find it too.
    /// </summary>
    private async Task<TelemetryFact> AppendFactAsync(TelemetryFact fact, CancellationToken cancellationToken)
    {
        var held = await Journal.AppendFactAsync(fact, cancellationToken);
        return string.Equals(held.AttendeeId, fact.AttendeeId, StringComparison.Ordinal)
            ? held
            : await Journal.AppendFactAsync(fact with { Nonce = $"{fact.Nonce}\u001F{fact.AttendeeId}" }, cancellationToken);
    }

    private async Task<LeadCaptureResult?> ApplyFactAsync(TelemetryFact fact)
    {
        switch (fact.Kind)
        {
            case TelemetryFactKind.Lead:
                var lead = JsonSerializer.Deserialize(fact.Payload, TelemetryJsonContext.Default.LeadPayload) ?? new LeadPayload(null, null);
                return await _grains.GetGrain<IBoothGrain>(fact.Subject).CaptureLeadAsync(new LeadCapture(fact.AttendeeId, lead.Rating, lead.Notes, fact.At));
            case TelemetryFactKind.Challenge:
                return null;
            default:
                _logger.LogWarning("Telemetry fact {Sequence} has kind {Kind}, which this build does not know; skipped.", fact.Sequence, fact.Kind);
                return null;
        }
    }

    private Task<PointsAward> AwardChallengeAsync(TelemetryFact fact) =>
        _grains.GetGrain<ILeaderboardGrain>(LeaderboardNames.Attendees)
            .AddPointsAsync(fact.AttendeeId, ChallengePoints(fact.Subject), LeaderboardNames.ChallengeReason(fact.Subject), request: fact.Sequence);

    /// <summary>A challenge's points; one no longer in the layout (a replay's) is worth the layout's default.</summary>
    private int ChallengePoints(string challengeId) =>
        Layout.TryGetChallenge(challengeId, out var challenge) ? Layout.PointsFor(challenge) : Layout.Points.Challenge;

    /// <summary>
    /// Rebuilds zones, portals, booths and boards after a restart: gate passages from the check-in
    /// journal, reads and facts from the read journal, merged by the time each happened at this edge,
    /// then every pass still open is decided. The portals' timers are replayed too: before each step,
    /// the passes that had gone quiet by then (by the journal's clock) are decided, so a pass the timer
    /// decided live lands before the reads, leads and gate passages that followed it.
    /// </summary>
    internal async Task<TelemetryReplay> ReplayAsync(IEnumerable<JournalEntry> checkIns, Func<string, string?> zoneOfGate)
    {
        long reads = 0, facts = 0, passages = 0;
        var skippedSubjects = new HashSet<string>(StringComparer.Ordinal);
        using var readCursor = Journal.ReadAll().GetEnumerator();
        using var factCursor = Journal.ReadFacts().GetEnumerator();
        using var passageCursor = checkIns.Where(e => e.Reason.IsPresenceEvidence() && e.AttendeeId is not null).GetEnumerator();
        var haveRead = readCursor.MoveNext();
        var haveFact = factCursor.MoveNext();
        var havePassage = passageCursor.MoveNext();
        var batch = new List<JournaledRead>(ReplayBatch);

        async Task FlushReadsAsync()
        {
            if (batch.Count > 0)
            {
                JournaledRead[] replayed = [.. batch];
                await RoutedAsync(() => _router.ReplayAsync(replayed));
                reads += batch.Count;
                batch.Clear();
            }
        }

        while (haveRead || haveFact || havePassage)
        {
            var readAt = haveRead ? readCursor.Current.ReceivedAt : DateTimeOffset.MaxValue;
            var factAt = haveFact ? factCursor.Current.At : DateTimeOffset.MaxValue;
            var passageAt = havePassage ? passageCursor.Current.At : DateTimeOffset.MaxValue;
            var next = Min(readAt, Min(factAt, passageAt));

            // A pass of the batch's first read may go quiet from then on: route the batch, then what the timers decided.
            var idleDue = batch.Count > 0 ? Min(_router.NextIdleDue ?? DateTimeOffset.MaxValue, batch[0].ReceivedAt + Layout.DirectionWindow) : _router.NextIdleDue;
            if (next >= idleDue)
            {
                await FlushReadsAsync();
                if (next >= _router.NextIdleDue)
                {
                    await RoutedAsync(() => _router.SweepIdleAsync(next));
                }
            }

            if (readAt <= factAt && readAt <= passageAt)
            {
                batch.Add(readCursor.Current);
                if (batch.Count == ReplayBatch)
                {
                    await FlushReadsAsync();
                }

                haveRead = readCursor.MoveNext();
                continue;
            }

            await FlushReadsAsync();
            if (passageAt <= factAt)
            {
                var entry = passageCursor.Current;
                NotePassage(entry.AttendeeId!);
                await _grains.GetGrain<IAttendeeLocationGrain>(entry.AttendeeId!)
                    .GateAsync(entry.GateId, zoneOfGate(entry.GateId), entry.Reason == ScanReason.Admitted, entry.At);
                passages++;
                havePassage = passageCursor.MoveNext();
            }
            else
            {
                var fact = factCursor.Current;
                if (await ReplayFactAsync(fact, skippedSubjects))
                {
                    facts++;
                }

                haveFact = factCursor.MoveNext();
            }
        }

        await FlushReadsAsync();
        await RoutedAsync(_router.FlushAsync);
        return new TelemetryReplay(reads, facts, passages);
    }

    /// <summary>
    /// Replays one lead or challenge; false, with a warning once per booth or challenge, when the layout
    /// no longer gives it a place: a lead at a booth since renamed or removed (its grain cannot activate),
    /// a challenge removed while challenges are worth no points. Failing here would keep the gates shut
    /// over a layout edit; the fact stays in the journal, and a layout naming the booth again replays it.
    /// </summary>
    private async Task<bool> ReplayFactAsync(TelemetryFact fact, HashSet<string> skippedSubjects)
    {
        var gone = fact.Kind switch
        {
            TelemetryFactKind.Lead when !Layout.TryGetBooth(fact.Subject, out _) => $"booth '{fact.Subject}'",
            TelemetryFactKind.Challenge when ChallengePoints(fact.Subject) <= 0 => $"challenge '{fact.Subject}'",
            _ => null,
        };
        if (gone is not null)
        {
            if (skippedSubjects.Add($"{fact.Kind}/{fact.Subject}"))
            {
                _logger.LogWarning("The journal holds facts of {Subject}, which the venue layout no longer names (or gives no points); they are not replayed. First: fact {Sequence}.",
                    gone, fact.Sequence);
            }

            return false;
        }

        await ApplyFactAsync(fact);
        if (fact.Kind == TelemetryFactKind.Challenge)
        {
            await AwardChallengeAsync(fact);
        }

        return true;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;

    /// <summary>Counters for /healthz and the console.</summary>
    public TelemetryStatus GetStatus() => new(
        Layout.Zones.Count, Layout.Portals.Count, Journal.LastReadSequence, Journal.AppendedReads, Journal.DuplicateReads,
        Interlocked.Read(ref _unrouted), Interlocked.Read(ref _movements), Journal.LastFactSequence,
        Interlocked.Read(ref _gateMoves), Interlocked.Read(ref _gateMoveFailures), Interlocked.Read(ref _clockAhead), Interlocked.Read(ref _routeFailures));

    public void Dispose()
    {
        _inOrder.Dispose();
        Journal.Dispose();
        _routing.Dispose();
    }
}

/// <summary>What a start's replay fed back through the telemetry grains.</summary>
public sealed record TelemetryReplay(long Reads, long Facts, long GatePassages);

/// <summary>
/// The telemetry side of an edge in numbers: reads journaled (and duplicates dropped since start),
/// reads no portal owns (unknown reader antenna), movements through portals, gate moves, and
/// passes that failed to apply (<see cref="PortalMovesFailedException"/>).
/// </summary>
public sealed record TelemetryStatus(
    int Zones,
    int Portals,
    long LastReadSequence,
    long ReadsAppended,
    long DuplicateReads,
    long UnroutedReads,
    long PortalMovements,
    long LastFactSequence,
    long GateMoves,
    long GateMoveFailures,
    long ReadsClockAhead,
    long PortalMoveFailures);

/// <summary>The fields of a lead fact's payload.</summary>
internal sealed record LeadPayload(int? Rating, string? Notes);
