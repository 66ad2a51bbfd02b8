using Npgsql;
using Venue.Domain.Central;

namespace Venue.Storage.Postgres;

/// <summary>
/// The one-central claim on PostgreSQL: a session-level advisory lock keyed by the store's schema,
/// held by a connection of its own outside the pool (a pooled connection would keep the lock after
/// it is given back, until its next use resets it). When the database restarts, the session and
/// the lock end; <see cref="RenewAsync"/> takes it again unless another central was quicker.
/// </summary>
/// <remarks>
/// The lock alone leaves a window: a central whose session ended goes on storing uploads until its
/// next renewal finds the lock taken (up to a heartbeat), while the central that took it has already
/// replayed the store. So every take also counts a claim in the <c>claim</c> counter row, after the
/// transactions of the central before have let go of it (they hold it shared), and
/// <paramref name="taken"/> hands the number to the store, which stores check-ins and conflicts only
/// while that number is still the row's: a fence.
/// </remarks>
internal sealed class PostgresCentralClaim(Func<CancellationToken, Task<NpgsqlConnection>> openUnpooled, Action<long> taken) : ICentralClaim
{
    // The server probes the session's TCP peer after 30 s of silence, so a central whose host
    // vanished frees the claim within about a minute, not the two hours of the default keepalive.
    // The session names itself, so an operator finds it in pg_stat_activity.
    private const string Take = """
        SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3;
        SET application_name = 'venue central claim';
        SELECT pg_try_advisory_lock(hashtextextended('venue.central/' || current_schema(), 0))
        """;

    private NpgsqlConnection? _session;
    private bool _counted;
    private bool _disposed;

    /// <summary>Takes the lock; false when another session holds it.</summary>
    public async Task<bool> TryTakeAsync(CancellationToken cancellationToken)
    {
        var session = await openUnpooled(cancellationToken);
        try
        {
            await using var take = new NpgsqlCommand(Take, session);
            if ((bool)(await take.ExecuteScalarAsync(cancellationToken))!)
            {
                _session = session;
                _counted = false;
                await CountAsync(cancellationToken);
                return true;
            }
        }
        catch
        {
            // Counting failed after the lock was taken: closing the session lets the lock go, and
            // the claim must not keep a session it no longer has (a renewal takes it afresh).
            if (ReferenceEquals(_session, session))
            {
                _session = null;
            }

            await session.DisposeAsync();
            throw;
        }

        await session.DisposeAsync();
        return false;
    }

    /// <summary>
    /// Counts this claim in the store's <c>claim</c> row and hands the number on, unless it is counted
    /// already. A claim is taken before the store is migrated: on a new database, or one from before
    /// the row, there is nothing to count in yet, and the store calls this again once it has migrated
    /// (no central could have stored anything fenced there before).
    /// </summary>
    public async Task CountAsync(CancellationToken cancellationToken)
    {
        if (_counted || _session is not { } session)
        {
            return;
        }

        await using (var exists = new NpgsqlCommand("SELECT to_regclass('counters') IS NOT NULL", session))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                return;
            }
        }

        // The store learns the number before it is committed: until then the row is locked, so none
        // of this central's own writes can read the new number while the store still holds the old one.
        await using var transaction = await session.BeginTransactionAsync(cancellationToken);
        await using var count = new NpgsqlCommand("UPDATE counters SET value = value + 1 WHERE name = 'claim' RETURNING value", session, transaction);
        if (await count.ExecuteScalarAsync(cancellationToken) is long number)
        {
            taken(number);
            await transaction.CommitAsync(cancellationToken);
            _counted = true;
        }
    }

    /// <summary>Not to be called while <see cref="DisposeAsync"/> runs (central renews from its heartbeat, which ends before the claim is let go).</summary>
    public async Task<bool> RenewAsync(CancellationToken cancellationToken = default)
    {
        // Once let go, never taken again: a new session here would hold the lock until the process exits.
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_session is { } session)
        {
            try
            {
                await using var alive = new NpgsqlCommand("SELECT 1", session);
                await alive.ExecuteScalarAsync(cancellationToken);
                return true; // the session lives, and a session-level lock with it
            }
            catch (NpgsqlException)
            {
                _session = null;
                await session.DisposeAsync();
            }
        }

        return await TryTakeAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_session is { } session)
        {
            _session = null;
            try
            {
                // Let go before closing: closing alone ends the server's session after the client has
                // moved on, so a central started straight after this one could still find the lock held.
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", session) { CommandTimeout = 5 };
                await release.ExecuteNonQueryAsync();
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The session is gone already (the database restarted): so is its lock.
            }

            await session.DisposeAsync();
        }
    }
}
