using System.Runtime.CompilerServices;
using Npgsql;
using Venue.Domain.Central;

namespace Venue.Storage.Postgres;

/// <summary>
/// A repeatable-read transaction held open on a connection of its own: every page it reads comes
/// from the snapshot taken when the view opened, while writers go on. Rows come in keyset pages,
/// each read whole before it is handed out, so the two streams may be interleaved on the one
/// connection and memory stays at one page whatever the ledger's size.
/// </summary>
internal sealed class PostgresLedgerSnapshotView(NpgsqlConnection connection, NpgsqlTransaction transaction, long version, int pageSize)
    : ILedgerSnapshotView
{
    private readonly SemaphoreSlim _connectionInUse = new(1, 1);
    private int _disposed;

    public long Version { get; } = version;

    public async IAsyncEnumerable<RegisteredAttendee> ReadAttendeesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = "";
        while (true)
        {
            var page = new List<RegisteredAttendee>(pageSize);
            await _connectionInUse.WaitAsync(cancellationToken);
            try
            {
                await using var select = new NpgsqlCommand($"SELECT {PostgresCentralStore.AttendeeColumns} FROM attendees WHERE id > @after ORDER BY id LIMIT @limit", connection)
                    .With("after", after).With("limit", pageSize);
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    page.Add(PostgresCentralStore.ReadAttendee(reader));
                }
            }
            finally
            {
                _connectionInUse.Release();
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
        }
    }

    public async IAsyncEnumerable<UInt128> ReadRevokedTokensAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = Array.Empty<byte>();
        while (true)
        {
            var page = new List<byte[]>(pageSize);
            await _connectionInUse.WaitAsync(cancellationToken);
            try
            {
                await using var select = new NpgsqlCommand("SELECT token_hash FROM revoked_tokens WHERE token_hash > @after ORDER BY token_hash LIMIT @limit", connection)
                    .With("after", after).With("limit", pageSize);
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    page.Add((byte[])reader[0]);
                }
            }
            finally
            {
                _connectionInUse.Release();
            }

            foreach (var hash in page)
            {
                yield return PostgresValues.Hash(hash);
            }

            if (page.Count < pageSize)
            {
                yield break;
            }

            after = page[^1];
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _connectionInUse.WaitAsync();
        try
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
        finally
        {
            _connectionInUse.Release();
        }
    }
}
