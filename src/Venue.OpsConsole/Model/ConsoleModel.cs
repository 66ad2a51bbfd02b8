using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Venue.Domain.CheckIn;
using Venue.Domain.Telemetry;
using Venue.OpsConsole.Feed;

namespace Venue.OpsConsole.Model;

/// <summary>
/// What the console shows, kept by the silo and changed only together with the event that tells
/// clients about the change (under the feed's lock), so <see cref="Snapshot"/> is exactly the state
/// after the sequence it names. Every method is cheap and never waits: callers include grain stream
/// handlers, whose publishers wait for them.
/// </summary>
/// <param name="acknowledgements">Where acknowledgements of standing alerts are kept across a restart; by default, in memory only.</param>
public sealed class ConsoleModel(LiveFeed feed, TimeProvider time, AlertAcknowledgements? acknowledgements = null)
{
    public const string Format = "venue-console/1";
    public const int RecentScansKept = 50;
    public const int MinutesKept = 15;
    public const int AlertsKept = 200;
    public const int ConflictsKept = 200;
    public const int LeadersShown = 10;

    /// <summary>A gate with no scan for this long is shown idle rather than online.</summary>
    public static readonly TimeSpan IdleAfter = TimeSpan.FromMinutes(2);

    private readonly Dictionary<string, GateTally> _gates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ZoneView> _zones = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seededZones = new(StringComparer.Ordinal); // seeded at start, no live change since
    private readonly SortedDictionary<long, AlertView> _alerts = [];
    private readonly Dictionary<(string Zone, ZoneLevel Level), long> _activeAlerts = [];
    private readonly SortedDictionary<long, ConflictView> _conflicts = [];
    private readonly Dictionary<string, Dictionary<string, LeaderEntry>> _boards = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SiloView> _silos = new(StringComparer.Ordinal);
    private readonly Queue<ScanEvent> _recent = new();
    private readonly AlertAcknowledgements _acknowledgements = acknowledgements ?? new AlertAcknowledgements(null);
    private SiloIdentity _identity = new("", "");

    public LiveFeed Feed => feed;

    public void Identify(string id, string role) => feed.Read(_ => _identity = new SiloIdentity(id, role));

    /// <summary>Declares a gate (name, zone, edge, opening hours) without an event: done before clients connect, or followed by <see cref="RefreshGates"/>.</summary>
    public void DefineGate(string id, string name, string? zone, string? edge, bool open) => feed.Read(_ =>
    {
        var gate = Gate(id, edge);
        gate.Name = name;
        gate.Zone = zone;
        gate.Open = open;
        gate.Status = gate.ComputeStatus(time.GetUtcNow());
        return gate;
    });

    /// <summary>Counts a scan and publishes it; <paramref name="publish"/> false only folds it in (catching up at start).</summary>
    public long Scan(ScanFact scan, bool publish = true)
    {
        ArgumentNullException.ThrowIfNull(scan);
        if (!publish)
        {
            feed.Read(_ => Apply(scan));
            return 0;
        }

        return feed.Publish("scan", _ => Json(Apply(scan), ConsoleJsonContext.Default.ScanEvent));
    }

    private ScanEvent Apply(ScanFact scan)
    {
        var gate = Gate(scan.Gate, scan.Edge);
        var (reasonCount, minute, minuteCount) = gate.Count(scan);
        // By the scan's own time: one uploaded late leaves an idle gate idle. Its event says so (no
        // gate event follows); going idle later is told by RefreshGates.
        gate.Status = gate.ComputeStatus(time.GetUtcNow());
        var result = scan.Reason switch
        {
            ScanReason.Admitted => "admitted",
            ScanReason.Exited => "exited",
            _ => "refused",
        };
        var view = new ScanEvent(scan.Gate, scan.Edge, scan.Direction == ScanDirection.Exit ? "exit" : "entry", result, scan.Reason.Code(),
            scan.Attendee, scan.At, scan.Journal,
            new GateCounters(gate.Scans, gate.Admitted, gate.Exited, gate.Refused, reasonCount, minute, minuteCount), gate.Status);
        _recent.Enqueue(view);
        if (_recent.Count > RecentScansKept)
        {
            _recent.Dequeue();
        }

        return view;
    }

    /// <summary>
    /// Recomputes every gate's status (online, idle, closed, offline) and publishes a <c>gate</c>
    /// event for each that changed. Silos call it every few seconds.
    /// </summary>
    public int RefreshGates(Func<string, bool>? isOpen = null, Func<string?, bool>? isEdgeOnline = null)
    {
        var ids = feed.Read(_ => _gates.Keys.ToArray());
        var changed = 0;
        foreach (var id in ids)
        {
            var seq = feed.Publish("gate", _ =>
            {
                var gate = _gates[id];
                gate.Open = isOpen?.Invoke(id) ?? gate.Open;
                gate.EdgeOnline = isEdgeOnline?.Invoke(gate.Edge) ?? gate.EdgeOnline;
                var now = time.GetUtcNow();
                var status = gate.ComputeStatus(now);
                if (status == gate.Status)
                {
                    return null;
                }

                gate.Status = status;
                return Json(gate.View(now), ConsoleJsonContext.Default.GateView);
            });
            changed += seq > 0 ? 1 : 0;
        }

        return changed;
    }

    public long Occupancy(ZoneOccupancyChanged change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return feed.Publish("zone", _ =>
        {
            var view = new ZoneView(change.ZoneId, change.Occupancy, change.Capacity, LevelCode(change.Level), change.At);
            _zones[change.ZoneId] = view;
            _seededZones.Remove(change.ZoneId);
            return Json(view, ConsoleJsonContext.Default.ZoneView);
        });
    }

    /// <summary>Raises, updates or clears a zone's alert at one level; a clear with nothing raised publishes nothing.</summary>
    public long Alert(ZoneAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var seq = feed.Publish("alert", seq =>
        {
            var key = (alert.ZoneId, alert.Level);
            AlertView view;
            if (alert.Raised)
            {
                if (_activeAlerts.TryGetValue(key, out var id))
                {
                    view = _alerts[id] with { Occupancy = alert.Occupancy, Capacity = alert.Capacity };
                }
                else
                {
                    // A new crossing: whatever was acknowledged at this level was another alert.
                    _acknowledgements.Forget(alert.ZoneId, LevelCode(alert.Level));
                    view = NewAlert(seq, alert);
                }

                _activeAlerts[key] = view.Id;
            }
            else
            {
                // Also when the alert is no longer kept here (trimmed): it is over, and so is its acknowledgement.
                _acknowledgements.Forget(alert.ZoneId, LevelCode(alert.Level));
                if (!_activeAlerts.Remove(key, out var id))
                {
                    return null;
                }

                view = _alerts[id] with { Active = false, ClearedAt = alert.At, Occupancy = alert.Occupancy, Capacity = alert.Capacity };
            }

            _alerts[view.Id] = view;
            TrimAlerts();
            return Json(view, ConsoleJsonContext.Default.AlertView);
        });
        // Off this thread: a grain's stream handler must not wait for a disk.
        _acknowledgements.SaveSoon();
        return seq;
    }

    private static AlertView NewAlert(long seq, ZoneAlert alert) =>
        new(seq, alert.ZoneId, LevelCode(alert.Level), true, alert.Occupancy, alert.Capacity, alert.At, null, null, null);

    /// <summary>
    /// A zone as its grain holds it when the console starts. After a restart the grains are rebuilt
    /// from the journals before anyone subscribes to their streams, so without this a zone at
    /// capacity showed no tile and no alert, and its later clear was dropped as clearing nothing.
    /// Call it after subscribing: a zone whose live changes have begun arriving is newer than this
    /// and is left as it is. One alert is raised per level the zone stands at, as the way up raised them;
    /// one acknowledged before the restart (<see cref="AlertAcknowledgements"/>) is raised acknowledged,
    /// with the time it was first raised.
    /// </summary>
    public void SeedZone(ZoneOccupancyChanged current)
    {
        ArgumentNullException.ThrowIfNull(current);
        feed.Publish("zone", _ =>
        {
            if (_zones.ContainsKey(current.ZoneId))
            {
                return null;
            }

            var view = new ZoneView(current.ZoneId, current.Occupancy, current.Capacity, LevelCode(current.Level), current.At);
            _zones[current.ZoneId] = view;
            _seededZones.Add(current.ZoneId);
            // Levels the zone no longer stands at cleared while the silo was down (or just before it stopped).
            _acknowledgements.ForgetAbove(current.ZoneId, current.Level);
            return Json(view, ConsoleJsonContext.Default.ZoneView);
        });
        for (var level = ZoneLevel.Warn; level <= current.Level; level++)
        {
            var alert = new ZoneAlert(current.ZoneId, level, true, current.Occupancy, current.Capacity, current.At);
            feed.Publish("alert", seq =>
            {
                // Only onto the seeded view: once a live change of the zone came, its own alerts are the truth.
                var key = (alert.ZoneId, alert.Level);
                if (!_seededZones.Contains(alert.ZoneId) || _activeAlerts.ContainsKey(key))
                {
                    return null;
                }

                var view = NewAlert(seq, alert);
                if (_acknowledgements.Find(alert.ZoneId, LevelCode(alert.Level)) is { } seen)
                {
                    view = view with { RaisedAt = seen.RaisedAt, AcknowledgedAt = seen.AcknowledgedAt, AcknowledgedBy = seen.AcknowledgedBy };
                }

                _activeAlerts[key] = view.Id;
                _alerts[view.Id] = view;
                TrimAlerts();
                return Json(view, ConsoleJsonContext.Default.AlertView);
            });
        }

        _acknowledgements.Save();
    }

    /// <summary>An entry of a board's top as it stands when the console starts; an entry already updated live is left as it is.</summary>
    public void SeedLeader(LeaderboardChanged current) => PutLeader(current, onlyIfAbsent: true);

    /// <summary>
    /// Marks an alert seen; null when there is no such alert. A second acknowledgement keeps the first.
    /// One still standing is written to disk before this returns, so a restart keeps it seen.
    /// </summary>
    public AlertView? AcknowledgeAlert(long id, string by)
    {
        AlertView? result = null;
        feed.Publish("alert", _ =>
        {
            if (!_alerts.TryGetValue(id, out var view))
            {
                return null;
            }

            result = view;
            if (view.AcknowledgedAt is not null)
            {
                return null;
            }

            result = _alerts[id] = view with { AcknowledgedAt = time.GetUtcNow(), AcknowledgedBy = by };
            if (result.Active)
            {
                _acknowledgements.Record(result);
            }

            return Json(result, ConsoleJsonContext.Default.AlertView);
        });
        _acknowledgements.Save();
        return result;
    }

    /// <summary>The ids of the conflicts kept, oldest first.</summary>
    public IReadOnlyList<long> ConflictIds() => feed.Read(_ => (IReadOnlyList<long>)[.. _conflicts.Keys]);

    /// <summary>Drops a conflict the store no longer holds (a late exit explained it); publishes <c>conflict-removed</c>.</summary>
    public long RemoveConflict(long id) => feed.Publish("conflict-removed", _ =>
        _conflicts.Remove(id) ? Json(new ConflictRemoved(id), ConsoleJsonContext.Default.ConflictRemoved) : null);

    /// <summary>Adds or replaces a conflict (found, or acknowledged); publishes it unless <paramref name="publish"/> is false.</summary>
    public long Conflict(ConflictView conflict, bool publish = true)
    {
        ArgumentNullException.ThrowIfNull(conflict);
        byte[]? Commit(long _)
        {
            if (_conflicts.TryGetValue(conflict.Id, out var known)
                && (known == conflict || (known.AcknowledgedAt is not null && conflict.AcknowledgedAt is null)))
            {
                // Unchanged; or a view read from the store before an acknowledgement published since
                // (central's refresh racing the desk): a conflict is acknowledged once and stays so.
                return null;
            }

            _conflicts[conflict.Id] = conflict;
            while (_conflicts.Count > ConflictsKept)
            {
                _conflicts.Remove(_conflicts.Keys.First());
            }

            return Json(conflict, ConsoleJsonContext.Default.ConflictView);
        }

        if (!publish)
        {
            feed.Read(Commit);
            return 0;
        }

        return feed.Publish("conflict", Commit);
    }

    public long Leader(LeaderboardChanged change) => PutLeader(change, onlyIfAbsent: false);

    private long PutLeader(LeaderboardChanged change, bool onlyIfAbsent)
    {
        ArgumentNullException.ThrowIfNull(change);
        return feed.Publish("leader", _ =>
        {
            if (!_boards.TryGetValue(change.Board, out var board))
            {
                _boards[change.Board] = board = new Dictionary<string, LeaderEntry>(StringComparer.Ordinal);
            }
            else if (onlyIfAbsent && board.ContainsKey(change.Id))
            {
                return null;
            }

            board[change.Id] = new LeaderEntry(change.Id, change.Score, change.Rank);
            if (board.Count > LeadersKept)
            {
                // Scores only grow, so an entry below the kept ones can reach the top only by an event of its
                // own, which carries its whole score: it need not be kept meanwhile. Without this the board
                // held everyone who ever scored, and each snapshot sorted them all while holding the feed.
                board.Remove(board.Values.MinBy(e => e, Order)!.Id);
            }

            return Json(new LeaderEvent(change.Board, change.Id, change.Score, change.Rank, change.At), ConsoleJsonContext.Default.LeaderEvent);
        });
    }

    /// <summary>Publishes a silo's row when it differs from the one last published.</summary>
    public long Silo(SiloView silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return feed.Publish("silo", _ =>
        {
            if (_silos.TryGetValue(silo.Id, out var known) && known == silo)
            {
                return null;
            }

            _silos[silo.Id] = silo;
            return Json(silo, ConsoleJsonContext.Default.SiloView);
        });
    }

    public ConsoleSnapshot Snapshot() => feed.Read(seq =>
    {
        var now = time.GetUtcNow();
        return new ConsoleSnapshot(
            Format,
            feed.Epoch,
            seq,
            _identity,
            now,
            [.. _gates.Values.OrderBy(g => g.Id, StringComparer.Ordinal).Select(g => g.View(now))],
            [.. _zones.Values.OrderBy(z => z.Id, StringComparer.Ordinal)],
            [.. _alerts.Values.Reverse()],
            [.. _conflicts.Values.Reverse()],
            [.. _boards.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => new LeaderboardView(b.Key, Top(b.Value)))],
            [.. _silos.Values.OrderBy(s => s.Role == "central" ? 0 : 1).ThenBy(s => s.Id, StringComparer.Ordinal)],
            [.. _recent.Reverse()],
            (long)feed.Options.Heartbeat.TotalMilliseconds);
    });

    private static LeaderEntry[] Top(Dictionary<string, LeaderEntry> board) =>
        [.. board.Values.Order(Order).Reverse().Take(LeadersShown).Select((e, i) => e with { Rank = i + 1 })];

    /// <summary>Entries kept per board: the ones shown and some below them.</summary>
    internal const int LeadersKept = LeadersShown * 4;

    /// <summary>
    /// Ascending standing, as the leaderboard grain ranks: lower score first; on a tie, who reached the
    /// score later, told by the higher rank the entry came with (an entry that keeps its score only
    /// ever moves down, so whoever reached the score after it was ranked below it, whenever each was
    /// told); then the id that sorts later.
    /// </summary>
    private static readonly Comparer<LeaderEntry> Order = Comparer<LeaderEntry>.Create((a, b) =>
    {
        var byScore = a.Score.CompareTo(b.Score);
        if (byScore != 0)
        {
            return byScore;
        }

        var byRank = b.Rank.CompareTo(a.Rank);
        return byRank != 0 ? byRank : string.CompareOrdinal(b.Id, a.Id);
    });

    /// <summary>Tests only: how many entries of a board are kept.</summary>
    internal int KeptLeaders(string board) => feed.Read(_ => _boards.TryGetValue(board, out var entries) ? entries.Count : 0);

    private GateTally Gate(string id, string? edge)
    {
        if (!_gates.TryGetValue(id, out var gate))
        {
            _gates[id] = gate = new GateTally(id) { Edge = edge };
        }

        return gate;
    }

    private void TrimAlerts()
    {
        while (_alerts.Count > AlertsKept)
        {
            // The oldest cleared one goes first; active alerts go only when nothing else is left to drop.
            var victim = _alerts.Values.FirstOrDefault(a => !a.Active) ?? _alerts.Values.First();
            _alerts.Remove(victim.Id);
            if (victim.Active)
            {
                _activeAlerts.Remove((victim.Zone, ParseLevel(victim.Level)));
            }
        }
    }

    public static string LevelCode(ZoneLevel level) => level switch
    {
        ZoneLevel.Warn => "warn",
        ZoneLevel.Alert => "alert",
        ZoneLevel.Full => "full",
        _ => "normal",
    };

    internal static ZoneLevel ParseLevel(string code) => code switch
    {
        "warn" => ZoneLevel.Warn,
        "alert" => ZoneLevel.Alert,
        "full" => ZoneLevel.Full,
        _ => ZoneLevel.Normal,
    };

    private static byte[] Json<T>(T value, JsonTypeInfo<T> info) => JsonSerializer.SerializeToUtf8Bytes(value, info);
}
