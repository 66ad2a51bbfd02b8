using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Venue.Domain.Central;

namespace Venue.Storage.Sqlite.Central;

/// <summary>
/// A read transaction held open on a connection of its own: WAL keeps its snapshot while the writer
/// goes on. Rows come in keyset pages, each read whole before it is handed out, so the two streams
/// may be interleaved (one page read at a time on the connection) and memory stays at one page.
/// </summary>
internal sealed class SqliteLedgerSnapshotView(SqliteConnection connection, SqliteTransaction transaction, long version, int pageSize)
    : ILedgerSnapshotView
{
    private readonly Lock _connectionInUse = new();
    private int _disposed;

    public long Version { get; } = version;

    public async IAsyncEnumerable<RegisteredAttendee> ReadAttendeesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = "";
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = new List<RegisteredAttendee>(pageSize);
            lock (_connectionInUse)
            {
                using var select = connection.Command($"SELECT {SqliteCentralStore.AttendeeColumns} FROM attendees WHERE id > $after ORDER BY id LIMIT $limit", transaction)
                    .With("$after", after).With("$limit", pageSize);
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    page.Add(SqliteCentralStore.ReadAttendee(reader));
                }
            }

            foreach (var attendee in page)
            {
                yield return attendee;
            }

            if (page.Count < pageSize)
            {
                yield break;
            }

            after = page[^1].Id;
            // SQLite reads synchronously: between pages, a long read lets the caller's thread go.
            await Task.Yield();
        }
    }

    public async IAsyncEnumerable<UInt128> ReadRevokedTokensAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = Array.Empty<byte>();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = new List<byte[]>(pageSize);
            lock (_connectionInUse)
            {
                using var select = connection.Command("SELECT token_hash FROM revoked_tokens WHERE token_hash > $after ORDER BY token_hash LIMIT $limit", transaction)
                    .With("$after", after).With("$limit", pageSize);
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    page.Add((byte[])reader.GetValue(0));
                }
            }

            foreach (var hash in page)
            {
                yield return SqliteValues.Hash(hash);
            }

            if (page.Count < pageSize)
            {
                yield break;
            }

            after = page[^1];
            await Task.Yield();
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            lock (_connectionInUse)
            {
                transaction.Dispose();
                connection.Dispose();
            }
        }

        return ValueTask.CompletedTask;
    }
}
