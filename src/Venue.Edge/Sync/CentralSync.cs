using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Venue.Domain.Sync;
using Venue.Edge.Silo;

namespace Venue.Edge.Sync;

/// <summary>
/// A running uplink of one edge silo to central: the journal uploader, the ledger follower and the
/// status reporter, each a loop of its own that retries on its own, so a slow upload never holds up
/// ledger changes and the other way round. Start it with <see cref="EdgeSilo.StartSync"/>; dispose it
/// to stop (the silo keeps working without it, and the next start resumes from central's answers).
/// </summary>
public sealed class CentralSync : IAsyncDisposable
{
    private readonly EdgeSilo _silo;
    private readonly CentralSyncOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly JournalUploader _uploader;
    private readonly LedgerFollower _follower;
    private readonly LinkHealth _uploadHealth;
    private readonly LinkHealth _followHealth;
    private readonly CancellationTokenSource _stop = new();
    private readonly DateTimeOffset _startedAt;
    private readonly Action _onDisposed;
    private readonly Task[] _loops;
    private long _reportFailureLoggedTicks;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    internal CentralSync(EdgeSilo silo, EdgeSyncStore store, CentralSyncOptions options, HttpMessageHandler? handler,
        ILoggerFactory loggers, TimeProvider time, Action onDisposed)
    {
        _silo = silo;
        _options = options;
        _time = time;
        _onDisposed = onDisposed;
        _logger = loggers.CreateLogger<CentralSync>();
        Client = CentralClient.Create(options, handler, silo.Ledger.EventId);
        _startedAt = time.GetUtcNow();
        var uploadLogger = loggers.CreateLogger<JournalUploader>();
        var followLogger = loggers.CreateLogger<LedgerFollower>();
        _uploadHealth = new LinkHealth("Journal upload", uploadLogger, time);
        _followHealth = new LinkHealth("Ledger changes", followLogger, time);
        _uploader = new JournalUploader(silo.EdgeId, silo.Journal, Client, options, time, _uploadHealth, uploadLogger, Progressed);
        _follower = new LedgerFollower(silo.EdgeId, silo.Ledger, silo.Grains, silo.Journal, store,
            LedgerBootstrap.SnapshotPath(silo.DataDirectory), Client, options, time, _followHealth, followLogger, Progressed);
        _loops =
        [
            Task.Run(() => _uploader.RunAsync(_stop.Token)),
            Task.Run(() => _follower.RunAsync(_stop.Token)),
            Task.Run(() => ReportAsync(_stop.Token)),
        ];
        _logger.LogInformation("Edge {EdgeId} syncing with {Central}: journal from central's position, ledger after version {Version}, passages after {Cursor}.",
            silo.EdgeId, Client.BaseAddress, silo.Ledger.Version, _follower.PassagesCursor);
    }

    public CentralClient Client { get; }

    public SyncStatus GetStatus()
    {
        var now = _time.GetUtcNow();
        DateTimeOffset? oldest;
        try
        {
            oldest = _uploader.OldestUnacknowledgedAt();
        }
        catch (SqliteException)
        {
            oldest = null; // the journal is closing; the lag is no longer anyone's concern
        }

        var lastAnswer = _follower.LastAnswerAt;
        var uploaded = _uploader.UploadedSequence;
        // No answer to /changes yet is no sign of trouble: a long poll is held until something is new.
        var online = uploaded >= 0 && !_uploadHealth.Failing && !_followHealth.Failing;
        return new SyncStatus(
            online ? SyncStatus.Online : SyncStatus.Degraded,
            _silo.Journal.LastSequence,
            Math.Max(0, uploaded),
            _silo.Ledger.Version,
            _follower.PassagesCursor,
            oldest is { } o ? Math.Max(0, (now - o).TotalMilliseconds) : 0,
            Math.Max(0, (now - (lastAnswer ?? _startedAt)).TotalMilliseconds),
            _follower.RemotePassagesApplied,
            _uploader.LastUploadAt,
            lastAnswer,
            _uploadHealth.Failing ? _uploadHealth.LastError : _followHealth.Failing ? _followHealth.LastError : null);
    }

    /// <summary>
    /// Completes once <paramref name="condition"/> holds for the status; it is checked now and again
    /// each time the uplink gets an answer from central or fails to. For tests and the simulator
    /// ("wait until everything is uploaded") without polling.
    /// </summary>
    public async Task WaitForAsync(Func<SyncStatus, bool> condition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        while (true)
        {
            var signal = Volatile.Read(ref _progress);
            if (condition(GetStatus()))
            {
                return;
            }

            await signal.Task.WaitAsync(cancellationToken);
        }
    }

    private void Progressed() =>
        Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Tests only: called with each status report before it is sent (a throw stands for the report failing to be made).</summary>
    internal Func<EdgeStatusWire, EdgeStatusWire>? ShapeStatusForTests { get; set; }

    private async Task ReportAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.StatusEvery, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                var status = GetStatus().ToWire(_silo.EdgeId);
                if (_silo.Telemetry is { } telemetry)
                {
                    status = status with { Floor = await Telemetry.FloorReport.ReadAsync(telemetry, _silo.Grains, _time) };
                }

                if (ShapeStatusForTests is { } shape)
                {
                    status = shape(status);
                }

                await Client.PutStatusAsync(status, cancellationToken);
            }
            catch (CentralException e)
            {
                // The uploader and the follower already say when the link is down; this is the same news.
                _logger.LogDebug("Status report not delivered: {Problem}", e.Message);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // Anything else (a grain failing while the floor is read) skips one report, never the rest:
                // without reports central shows this edge, and the console its gates, offline.
                var now = _time.GetUtcNow().UtcTicks;
                if (now - _reportFailureLoggedTicks >= TimeSpan.TicksPerMinute)
                {
                    _reportFailureLoggedTicks = now;
                    _logger.LogError(e, "A status report of edge {EdgeId} could not be made; the next one is tried in {Every}.", _silo.EdgeId, _options.StatusEvery);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        foreach (var loop in _loops)
        {
            try
            {
                await loop;
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e)
            {
                _logger.LogError(e, "An uplink loop of edge {EdgeId} ended with an error.", _silo.EdgeId);
            }
        }

        Client.Dispose();
        _stop.Dispose();
        _onDisposed();
    }
}
