using Microsoft.Data.Sqlite;
using Venue.Domain.Layout;
using Venue.Domain.Readers;

namespace Venue.TelemetryBench.Peers;

/// <summary>
/// The straightforward design the pipeline is compared with: the same reads table in SQLite (WAL,
/// <c>synchronous=FULL</c>, unique on reader and event number, so it is as durable and as
/// deduplicated), one connection behind a lock, and zones kept in a dictionary by "the side of the
/// last antenna that saw the badge". <see cref="PerRead"/>: one transaction per read (a durable
/// commit each, as a naive sink would); otherwise one per batch handed in. No group commit across
/// callers, no debouncing or direction rules, no grains.
/// </summary>
internal sealed class SqliteZoneSink : IDisposable
{
    private readonly object _gate = new();
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _commit;
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _reader, _eventNum, _epc, _antenna, _rssi, _readAt, _receivedAt;
    private readonly VenueLayout _layout;
    private readonly Dictionary<string, string> _zoneOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _occupancy = new(StringComparer.Ordinal);

    public SqliteZoneSink(string path, VenueLayout layout, bool perRead)
    {
        _layout = layout;
        PerRead = perRead;
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        _connection.Open();
        using (var setup = _connection.CreateCommand())
        {
            setup.CommandText = """
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=FULL;
                CREATE TABLE reads(
                    seq INTEGER PRIMARY KEY,
                    reader TEXT NOT NULL,
                    event_num INTEGER NOT NULL,
                    epc TEXT NOT NULL,
                    antenna INTEGER NOT NULL,
                    rssi REAL NOT NULL,
                    read_at_us INTEGER NOT NULL,
                    received_at_us INTEGER NOT NULL,
                    UNIQUE(reader, event_num));
                """;
            setup.ExecuteNonQuery();
        }

        _begin = Command("BEGIN IMMEDIATE");
        _commit = Command("COMMIT");
        _insert = Command("INSERT OR IGNORE INTO reads(reader, event_num, epc, antenna, rssi, read_at_us, received_at_us) VALUES ($r, $e, $epc, $a, $rssi, $t, $rt)");
        _reader = _insert.Parameters.Add("$r", SqliteType.Text);
        _eventNum = _insert.Parameters.Add("$e", SqliteType.Integer);
        _epc = _insert.Parameters.Add("$epc", SqliteType.Text);
        _antenna = _insert.Parameters.Add("$a", SqliteType.Integer);
        _rssi = _insert.Parameters.Add("$rssi", SqliteType.Real);
        _readAt = _insert.Parameters.Add("$t", SqliteType.Integer);
        _receivedAt = _insert.Parameters.Add("$rt", SqliteType.Integer);
        _insert.Prepare();
    }

    public bool PerRead { get; }

    public long Stored { get; private set; }

    public long Moves { get; private set; }

    /// <summary>Stores the batch durably (one commit per read, or one for the batch) and updates the zones; completes synchronously.</summary>
    public Task IngestAsync(IReadOnlyList<TagRead> reads)
    {
        lock (_gate)
        {
            var receivedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            if (!PerRead)
            {
                _begin.ExecuteNonQuery();
            }

            foreach (var read in reads)
            {
                if (PerRead)
                {
                    _begin.ExecuteNonQuery();
                }

                _reader.Value = read.ReaderId;
                _eventNum.Value = read.EventNum;
                _epc.Value = read.Epc;
                _antenna.Value = read.Antenna;
                _rssi.Value = read.PeakRssi;
                _readAt.Value = read.ReadAt.ToUnixTimeMilliseconds() * 1000;
                _receivedAt.Value = receivedAt;
                var added = _insert.ExecuteNonQuery() == 1;
                if (PerRead)
                {
                    _commit.ExecuteNonQuery();
                }

                if (added)
                {
                    Stored++;
                    Move(read);
                }
            }

            if (!PerRead)
            {
                _commit.ExecuteNonQuery();
            }
        }

        return Task.CompletedTask;
    }

    private void Move(TagRead read)
    {
        if (!_layout.TryGetPortal(read.ReaderId, read.Antenna, out var portal))
        {
            return;
        }

        if (portal.ZoneOn(read.Antenna) is not { } zone)
        {
            return;
        }

        if (_zoneOf.TryGetValue(read.Epc, out var was))
        {
            if (was == zone)
            {
                return;
            }

            _occupancy[was]--;
        }

        _zoneOf[read.Epc] = zone;
        _occupancy[zone] = _occupancy.GetValueOrDefault(zone) + 1;
        Moves++;
    }

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Prepare();
        return command;
    }

    public void Dispose()
    {
        _insert.Dispose();
        _begin.Dispose();
        _commit.Dispose();
        _connection.Dispose();
    }
}
