using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Venue.Domain.Devices;
using Venue.Domain.Ledger;
using Venue.Domain.Sync;
using Venue.Domain.Tickets;
using Venue.Edge.Tests.Infrastructure;
using Venue.Simulation;

namespace Venue.Edge.Tests.Sync;

/// <summary>
/// A test double of the central silo, speaking venue-sync/1 over real HTTP (Kestrel on a loopback
/// port) as docs/sync-protocol.md describes it: bearer device tokens named after the edge, the
/// snapshot with its headers, long-polled /changes with pages, idempotent journal uploads with a
/// contiguous position, passages of one edge relayed to the others, status reports. Everything in
/// memory, plus the faults a test injects: error statuses, malformed bodies, entries lost once, and
/// a central that forgot part of an edge's journal (restored from a backup).
/// </summary>
public sealed class FakeCentral : IAsyncDisposable
{
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    private readonly object _gate = new();
    private readonly WebApplication _app;
    private readonly TestLedger _keys;
    private readonly Dictionary<string, string> _edgesByToken = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (LedgerAttendee Line, long Version)> _attendees = new(StringComparer.Ordinal);
    private readonly List<(string Hash, long Version)> _revoked = [];
    private readonly List<(long FeedId, PassageWire Passage)> _feed = [];
    private readonly Dictionary<string, SortedDictionary<long, JournalEntryWire>> _journals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _contiguous = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<Fault>> _faults = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _requests = new(StringComparer.Ordinal);
    private readonly HashSet<long> _loseOnce = [];
    private readonly List<long> _received = [];
    private readonly List<EdgeStatusWire> _statuses = [];
    private readonly Dictionary<string, int> _parked = new(StringComparer.Ordinal);
    private long _version;
    private long _feedHead;
    private int _duplicates;
    private TaskCompletionSource _changed = Signal.New();

    private abstract record Fault;

    private sealed record StatusFault(int Status) : Fault;

    private sealed record MalformedFault(string Body) : Fault;

    private FakeCentral(WebApplication app, TestLedger keys, Uri address)
    {
        _app = app;
        _keys = keys;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Attendees and revoked tokens per /changes page (central pages its answers).</summary>
    public int PageSize { get; set; } = 1000;

    /// <summary>False: a central that relays an edge's own passages back to it (the edge must ignore them).</summary>
    public bool SkipOwnPassages { get; set; } = true;

    /// <summary>Whether a /changes request of this edge is being held, waiting for something new.</summary>
    public bool IsPolling(string edgeId)
    {
        lock (_gate)
        {
            return _parked.GetValueOrDefault(edgeId) > 0;
        }
    }

    public long LedgerVersion
    {
        get { lock (_gate) { return _version; } }
    }

    /// <summary>Entries received again although central already held them.</summary>
    public int Duplicates
    {
        get { lock (_gate) { return _duplicates; } }
    }

    /// <summary>Every sequence received in an upload, in arrival order (re-sends included).</summary>
    public IReadOnlyList<long> Received
    {
        get { lock (_gate) { return [.. _received]; } }
    }

    public IReadOnlyList<EdgeStatusWire> Statuses
    {
        get { lock (_gate) { return [.. _statuses]; } }
    }

    /// <param name="keys">The event's signing key and id (the edges verify badges with its public half).</param>
    public static async Task<FakeCentral> StartAsync(TestLedger keys)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxBodyBytes);
        var app = builder.Build();
        FakeCentral? central = null;
        app.Use(async (context, next) =>
        {
            if (!await central!.InjectFaultAsync(context))
            {
                await next(context);
            }
        });
        app.MapGet("/v1/sync/ledger", context => central!.SnapshotAsync(context));
        app.MapGet("/v1/sync/changes", context => central!.ChangesAsync(context));
        app.MapGet("/v1/sync/keys", context => central!.KeysAsync(context));
        app.MapGet("/v1/sync/journal/position", context => central!.PositionAsync(context));
        app.MapGet("/v1/sync/journal/entries/{seq:long}", (HttpContext context, long seq) => central!.EntryAsync(context, seq));
        app.MapPost("/v1/sync/journal", context => central!.UploadAsync(context));
        app.MapPut("/v1/sync/status", context => central!.StatusAsync(context));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        central = new FakeCentral(app, keys, address);
        return central;
    }

    /// <summary>A device token of role Edge whose credential name is <paramref name="edgeId"/>.</summary>
    public string TokenFor(string edgeId)
    {
        var (_, token) = DeviceToken.Create();
        lock (_gate)
        {
            _edgesByToken[token] = edgeId;
        }

        return token;
    }

    /// <summary>Registers (or re-registers, e.g. with a reissued badge) an attendee; returns their badge token.</summary>
    public string Register(string id, string ticketType = "general", string? token = null, string? name = null)
    {
        token ??= _keys.Issue(id, ticketType);
        var line = new LedgerAttendee(id, name ?? $"Attendee {id}", ticketType, null, null, "active", TokenHash.Format(TokenHash.Of(token)), null);
        Change(() => _attendees[id] = (line, ++_version));
        return token;
    }

    // The public keys central honours (null: just the test ledger's key), as CentralEvent.Load lists them.
    private List<LedgerKey>? _publicKeys;

    /// <summary>Central restarted after a rotation: it honours exactly these keys (the first signs), in its snapshot and /v1/sync/keys.</summary>
    public void RotateTo(params TicketSigningKey[] keys) =>
        ServeKeys([.. keys.Select(k => new LedgerKey(k.KeyId, Convert.ToBase64String(k.ExportPublicKey())))]);

    /// <summary>The key list central serves, whatever it holds (tests of a list an edge cannot hold).</summary>
    public void ServeKeys(IReadOnlyList<LedgerKey> keys) => Change(() => _publicKeys = [.. keys]);

    /// <summary>True: GET /v1/sync/keys answers 503 (central overloaded), while the rest answers.</summary>
    public bool KeysUnavailable { get; set; }

    /// <summary>False: answers /changes without the Venue-Keys header, as a central from before it did.</summary>
    public bool SendsKeysHeader { get; set; } = true;

    private List<LedgerKey> PublicKeys() =>
        _publicKeys ?? [new LedgerKey(_keys.Key.KeyId, Convert.ToBase64String(_keys.Key.ExportPublicKey()))];

    public void RevokeToken(string token) => Change(() => _revoked.Add((TokenHash.Format(TokenHash.Of(token)), ++_version)));

    /// <summary>A passage journaled at another edge, as if uploaded by it; returns its feed id.</summary>
    public long AddPassage(string attendee, string edge, string gate, string reason, long hlc, DateTimeOffset at, long seq = 0)
    {
        long feedId = 0;
        Change(() =>
        {
            feedId = ++_feedHead;
            _feed.Add((feedId, new PassageWire(attendee, edge, seq == 0 ? feedId : seq, gate, reason, hlc, at)));
        });
        return feedId;
    }

    /// <summary>The next <paramref name="times"/> requests to <paramref name="route"/> (e.g. "POST /v1/sync/journal") get this status.</summary>
    public void FailNext(string route, int status, int times = 1) => AddFault(route, new StatusFault(status), times);

    /// <summary>The next requests to <paramref name="route"/> get 200 with a body that is not what the protocol says.</summary>
    public void MalformedNext(string route, int times = 1, string body = """{"ledgerVersion": [oops""") => AddFault(route, new MalformedFault(body), times);

    /// <summary>The next upload carrying <paramref name="seq"/> loses it (as if central's write of it failed): a gap.</summary>
    public void LoseOnce(long seq)
    {
        lock (_gate)
        {
            _loseOnce.Add(seq);
        }
    }

    /// <summary>Central forgets an edge's entries from <paramref name="fromSeq"/> on, as after a restore from an older backup.</summary>
    public void Forget(string edgeId, long fromSeq)
    {
        Change(() =>
        {
            var journal = Journal(edgeId);
            foreach (var seq in journal.Keys.Where(s => s >= fromSeq).ToList())
            {
                journal.Remove(seq);
            }

            _contiguous[edgeId] = Math.Min(_contiguous.GetValueOrDefault(edgeId), fromSeq - 1);
        });
    }

    /// <summary>
    /// Central restored from an older backup: what it handed out after <paramref name="ledgerVersion"/>
    /// and <paramref name="feedId"/> is gone, and it hands those numbers out again.
    /// </summary>
    public void RestoreTo(long ledgerVersion, long feedId)
    {
        Change(() =>
        {
            foreach (var id in _attendees.Where(a => a.Value.Version > ledgerVersion).Select(a => a.Key).ToList())
            {
                _attendees.Remove(id);
            }

            _revoked.RemoveAll(r => r.Version > ledgerVersion);
            _feed.RemoveAll(f => f.FeedId > feedId);
            _version = ledgerVersion;
            _feedHead = feedId;
        });
    }

    public IReadOnlyList<JournalEntryWire> JournalOf(string edgeId)
    {
        lock (_gate)
        {
            return [.. Journal(edgeId).Values];
        }
    }

    public long HighestContiguous(string edgeId)
    {
        lock (_gate)
        {
            return _contiguous.GetValueOrDefault(edgeId);
        }
    }

    public int Requests(string route)
    {
        lock (_gate)
        {
            return _requests.GetValueOrDefault(route);
        }
    }

    /// <summary>Waits, without polling, until <paramref name="condition"/> holds (re-checked on every change at central).</summary>
    public async Task UntilAsync(Func<FakeCentral, bool> condition, string awaited)
    {
        using var limit = new CancellationTokenSource(Signal.Limit);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (condition(this))
            {
                return;
            }

            try
            {
                await changed.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Waited {Signal.Limit.TotalSeconds:0} s at central for {awaited}.");
            }
        }
    }

    private void Change(Action change)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            change();
            changed = _changed;
            _changed = Signal.New();
        }

        changed.TrySetResult();
    }

    private void AddFault(string route, Fault fault, int times)
    {
        lock (_gate)
        {
            if (!_faults.TryGetValue(route, out var queue))
            {
                _faults[route] = queue = new Queue<Fault>();
            }

            for (var i = 0; i < times; i++)
            {
                queue.Enqueue(fault);
            }
        }
    }

    private SortedDictionary<long, JournalEntryWire> Journal(string edgeId)
    {
        if (!_journals.TryGetValue(edgeId, out var journal))
        {
            _journals[edgeId] = journal = [];
        }

        return journal;
    }

    private async Task<bool> InjectFaultAsync(HttpContext context)
    {
        var route = $"{context.Request.Method} {context.Request.Path}";
        Fault? fault = null;
        lock (_gate)
        {
            _requests[route] = _requests.GetValueOrDefault(route) + 1;
            if (_faults.TryGetValue(route, out var queue) && queue.Count > 0)
            {
                fault = queue.Dequeue();
            }
        }

        switch (fault)
        {
            case StatusFault s:
                await Results.Problem(statusCode: s.Status, title: "Injected by the test", detail: $"{route} fails on purpose.").ExecuteAsync(context);
                return true;
            case MalformedFault m:
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(m.Body);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Every Venue-Event header value edges sent (decoded), null for requests without one.</summary>
    public IReadOnlyCollection<string?> EventsSent
    {
        get
        {
            lock (_gate)
            {
                return [.. _eventsSent];
            }
        }
    }

    private readonly HashSet<string?> _eventsSent = [];

    /// <summary>The edge the bearer token names, or null after writing 401.</summary>
    private async Task<string?> AuthenticateAsync(HttpContext context)
    {
        lock (_gate)
        {
            _eventsSent.Add(context.Request.Headers[SyncHeaders.Event] is { Count: > 0 } sent ? Uri.UnescapeDataString(sent.ToString()) : null);
        }

        var header = context.Request.Headers.Authorization.ToString();
        string? edge = null;
        if (header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            lock (_gate)
            {
                _edgesByToken.TryGetValue(header["Bearer ".Length..], out edge);
            }
        }

        if (edge is null)
        {
            await Problem(401, "Authentication required", "Send 'Authorization: Bearer <token>' with an Edge device token.").ExecuteAsync(context);
        }

        return edge;
    }

    private static IResult Problem(int status, string title, string detail) => Results.Problem(statusCode: status, title: title, detail: detail);

    private async Task SnapshotAsync(HttpContext context)
    {
        if (await AuthenticateAsync(context) is null)
        {
            return;
        }

        LedgerHeader header;
        List<LedgerAttendee> lines;
        long cursor;
        lock (_gate)
        {
            header = new LedgerHeader(LedgerSnapshot.Format, TestLedger.EventId, "Fake central's event", _version, DateTimeOffset.UtcNow,
                PublicKeys(),
                [.. EventGenerator.TicketTypes.Select(t => new LedgerTicketType(t.Name, t.Reentry, t.Gates))],
                [.. _revoked.Select(r => r.Hash)]);
            lines = [.. _attendees.Values.Select(a => a.Line)];
            cursor = _feedHead;
        }

        context.Response.ContentType = "application/x-ndjson";
        context.Response.Headers[SyncHeaders.LedgerVersion] = header.Version.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers[SyncHeaders.PassagesCursor] = cursor.ToString(CultureInfo.InvariantCulture);
        await LedgerSnapshot.WriteAsync(context.Response.Body, header, lines, context.RequestAborted);
    }

    private async Task KeysAsync(HttpContext context)
    {
        if (await AuthenticateAsync(context) is null)
        {
            return;
        }

        if (KeysUnavailable)
        {
            await Problem(503, "Unavailable", "Keys are not available right now.").ExecuteAsync(context);
            return;
        }

        LedgerKeysWire keys;
        lock (_gate)
        {
            keys = new LedgerKeysWire(PublicKeys());
        }

        await Results.Json(keys, SyncJsonContext.Default.LedgerKeysWire).ExecuteAsync(context);
    }

    private async Task ChangesAsync(HttpContext context)
    {
        if (await AuthenticateAsync(context) is not { } edge)
        {
            return;
        }

        var query = context.Request.Query;
        if (!long.TryParse(query["ledgerAfter"], CultureInfo.InvariantCulture, out var ledgerAfter)
            || !long.TryParse(query["passagesAfter"], CultureInfo.InvariantCulture, out var passagesAfter)
            || !int.TryParse(query["wait"], CultureInfo.InvariantCulture, out var wait) || wait < 0)
        {
            await Problem(400, "Bad query", "ledgerAfter, passagesAfter and wait are required integers.").ExecuteAsync(context);
            return;
        }

        var deadline = DateTimeOffset.UtcNow.AddSeconds(Math.Min(wait, 30));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _app.Lifetime.ApplicationStopping);
        var parked = false;
        try
        {
            while (true)
            {
                Task changed;
                LedgerChangesWire page;
                string? ledgerMark, passagesMark, keys;
                lock (_gate)
                {
                    changed = _changed.Task;
                    keys = TicketKeyRing.FingerprintOf(PublicKeys().Select(k => (k.Kid, Convert.FromBase64String(k.PublicKey))));
                    if (!SameHistory(ledgerAfter, query["ledgerAt"], passagesAfter, query["passagesAt"]))
                    {
                        // As central does: positions that name other changes now are answered with 0, at once.
                        page = new LedgerChangesWire(0, [], [], 0, [], More: false);
                        (ledgerMark, passagesMark) = (null, null);
                    }
                    else
                    {
                        page = Page(edge, ledgerAfter, passagesAfter);
                        (ledgerMark, passagesMark) = (LedgerMark(page.LedgerVersion), PassagesMark(page.PassagesCursor));
                    }
                }

                var remaining = deadline - DateTimeOffset.UtcNow;
                var empty = page.Attendees.Count == 0 && page.RevokedTokens.Count == 0 && page.Passages.Count == 0;
                // As central does: an edge ahead of it (central went back) is answered at once, with central's positions.
                var edgeAhead = ledgerAfter > page.LedgerVersion || passagesAfter > page.PassagesCursor;
                if (!empty || edgeAhead || remaining <= TimeSpan.Zero || stop.IsCancellationRequested)
                {
                    if (SendsKeysHeader)
                    {
                        context.Response.Headers[SyncHeaders.Keys] = keys;
                    }

                    if (ledgerMark is not null)
                    {
                        context.Response.Headers[SyncHeaders.LedgerAt] = ledgerMark;
                    }

                    if (passagesMark is not null)
                    {
                        context.Response.Headers[SyncHeaders.PassagesAt] = passagesMark;
                    }

                    await Results.Json(page, SyncJsonContext.Default.LedgerChangesWire).ExecuteAsync(context);
                    return;
                }

                if (!parked)
                {
                    // Observable by tests (IsPolling); the change it signals makes this loop look again at once.
                    parked = true;
                    Change(() => _parked[edge] = _parked.GetValueOrDefault(edge) + 1);
                    continue;
                }

                try
                {
                    await changed.WaitAsync(remaining, stop.Token);
                }
                catch (Exception e) when (e is TimeoutException or OperationCanceledException)
                {
                    // Time is up or central is stopping: answer with what there is (nothing).
                }
            }
        }
        finally
        {
            if (parked)
            {
                lock (_gate)
                {
                    _parked[edge]--;
                }
            }
        }
    }

    /// <summary>Under the lock: a position with a mark that names another change now is from before a restore (<see cref="RestoreTo"/>).</summary>
    private bool SameHistory(long ledgerAfter, string? ledgerAt, long passagesAfter, string? passagesAt) =>
        (ledgerAt is null || LedgerMark(ledgerAfter) is not { } ledger || ledger == ledgerAt)
        && (passagesAt is null || PassagesMark(passagesAfter) is not { } passages || passages == passagesAt);

    private string? LedgerMark(long version) =>
        _attendees.Where(a => a.Value.Version == version).Select(a => $"a:{a.Key}")
            .Concat(_revoked.Where(r => r.Version == version).Select(r => $"r:{r.Hash}")).FirstOrDefault();

    private string? PassagesMark(long feedId) =>
        _feed.Where(f => f.FeedId == feedId).Select(f => $"{f.Passage.Edge}|{f.Passage.Seq}").FirstOrDefault();

    private LedgerChangesWire Page(string edge, long ledgerAfter, long passagesAfter)
    {
        var attendees = _attendees.Values.Where(a => a.Version > ledgerAfter).OrderBy(a => a.Version).ToList();
        var more = attendees.Count > PageSize;
        var version = more ? attendees[PageSize - 1].Version : _version;
        var revoked = _revoked.Where(r => r.Version > ledgerAfter && r.Version <= version).Select(r => r.Hash).ToList();
        var passages = _feed.Where(f => f.FeedId > passagesAfter && (!SkipOwnPassages || f.Passage.Edge != edge)).Take(PageSize + 1).ToList();
        var morePassages = passages.Count > PageSize;
        var cursor = morePassages ? passages[PageSize - 1].FeedId : _feedHead;
        return new LedgerChangesWire(version, [.. attendees.Take(PageSize).Select(a => a.Line)], revoked,
            cursor, [.. passages.Take(PageSize).Select(p => p.Passage)], more || morePassages);
    }

    private async Task PositionAsync(HttpContext context)
    {
        if (await AuthenticateAsync(context) is { } edge)
        {
            await Results.Json(new JournalPositionWire(edge, HighestContiguous(edge)), SyncJsonContext.Default.JournalPositionWire).ExecuteAsync(context);
        }
    }

    private async Task EntryAsync(HttpContext context, long seq)
    {
        if (await AuthenticateAsync(context) is not { } edge)
        {
            return;
        }

        JournalEntryWire? held;
        lock (_gate)
        {
            Journal(edge).TryGetValue(seq, out held);
        }

        await (held is null
            ? Problem(404, "No such entry", $"No entry {seq} of edge '{edge}'.")
            : Results.Json(held, SyncJsonContext.Default.JournalEntryWire)).ExecuteAsync(context);
    }

    private async Task UploadAsync(HttpContext context)
    {
        if (await AuthenticateAsync(context) is not { } edge)
        {
            return;
        }

        JournalBatchWire? batch;
        try
        {
            batch = await context.Request.ReadFromJsonAsync(SyncJsonContext.Default.JournalBatchWire, context.RequestAborted);
        }
        catch (JsonException e)
        {
            await Problem(400, "Malformed batch", e.Message).ExecuteAsync(context);
            return;
        }

        if (batch?.Entries is null)
        {
            await Problem(400, "Malformed batch", "A batch is a JSON object with edgeId and entries.").ExecuteAsync(context);
            return;
        }

        if (batch.EdgeId != edge)
        {
            await Problem(403, "Not this edge's journal", $"This token belongs to edge '{edge}', not '{batch.EdgeId}'.").ExecuteAsync(context);
            return;
        }

        if (batch.Entries.Count > 2000)
        {
            await Problem(413, "Batch too large", "At most 2,000 entries per batch.").ExecuteAsync(context);
            return;
        }

        foreach (var wire in batch.Entries)
        {
            if (!SyncWireMapping.TryFromWire(wire, out _, out var problem))
            {
                await Problem(400, "Bad entry", problem!).ExecuteAsync(context);
                return;
            }
        }

        JournalReceiptWire receipt = null!;
        Change(() =>
        {
            var journal = Journal(edge);
            int inserted = 0, duplicates = 0;
            foreach (var sent in batch.Entries)
            {
                // As both central stores do: PostgreSQL text cannot hold a NUL.
                var entry = sent with { Nonce = sent.Nonce.Replace('\0', '\uFFFD'), Gate = sent.Gate.Replace('\0', '\uFFFD'), Attendee = sent.Attendee?.Replace('\0', '\uFFFD') };
                _received.Add(entry.Seq);
                if (_loseOnce.Remove(entry.Seq))
                {
                    continue;
                }

                if (!journal.TryAdd(entry.Seq, entry))
                {
                    duplicates++;
                    continue;
                }

                inserted++;
                if (entry.Attendee is { } attendee && entry.Reason is "admitted" or "exited")
                {
                    // Relayed to the other edges, in order of arrival, as the real central's feed does.
                    _feed.Add((++_feedHead, new PassageWire(attendee, edge, entry.Seq, entry.Gate, entry.Reason, entry.Hlc, entry.At)));
                }
            }

            var contiguous = _contiguous.GetValueOrDefault(edge);
            while (journal.ContainsKey(contiguous + 1))
            {
                contiguous++;
            }

            _contiguous[edge] = contiguous;
            _duplicates += duplicates;
            receipt = new JournalReceiptWire(contiguous, inserted, duplicates);
        });
        await Results.Json(receipt, SyncJsonContext.Default.JournalReceiptWire).ExecuteAsync(context);
    }

    private async Task StatusAsync(HttpContext context)
    {
        if (await AuthenticateAsync(context) is not { } edge)
        {
            return;
        }

        var status = await context.Request.ReadFromJsonAsync(SyncJsonContext.Default.EdgeStatusWire, context.RequestAborted);
        if (status?.EdgeId != edge)
        {
            await Problem(403, "Not this edge", $"This token belongs to edge '{edge}'.").ExecuteAsync(context);
            return;
        }

        Change(() => _statuses.Add(status));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
