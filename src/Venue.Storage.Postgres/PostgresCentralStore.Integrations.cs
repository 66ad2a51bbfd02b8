using Npgsql;
using NpgsqlTypes;
using Venue.Domain.Central;
using Venue.Storage.Central;

namespace Venue.Storage.Postgres;

/// <summary>The silo table, integrator API keys, webhooks and their outbox.</summary>
public sealed partial class PostgresCentralStore
{
    public async Task UpsertSiloAsync(SiloRecord silo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentException.ThrowIfNullOrEmpty(silo.SiloId);
        await using var upsert = _dataSource.CreateCommand("""
            INSERT INTO silos(silo_id, role, status, journal_sequence, uploaded_sequence, ledger_version,
                              journal_lag_entries, journal_lag_ms, sync_lag_ms, last_seen_at)
            VALUES (@id, @role, @status, @js, @us, @lv, @lag_entries, @lag_ms, @sync_ms, @seen)
            ON CONFLICT (silo_id) DO UPDATE SET
                role = excluded.role, status = excluded.status, journal_sequence = excluded.journal_sequence,
                uploaded_sequence = excluded.uploaded_sequence, ledger_version = excluded.ledger_version,
                journal_lag_entries = excluded.journal_lag_entries, journal_lag_ms = excluded.journal_lag_ms,
                sync_lag_ms = excluded.sync_lag_ms, last_seen_at = excluded.last_seen_at
            """)
            .With("id", silo.SiloId).With("role", silo.Role).With("status", silo.Status)
            .With("js", silo.JournalSequence).With("us", silo.UploadedSequence).With("lv", silo.LedgerVersion)
            .With("lag_entries", silo.JournalLagEntries).With("lag_ms", silo.JournalLagMs).With("sync_ms", silo.SyncLagMs)
            .With("seen", PostgresValues.Utc(silo.LastSeenAt));
        await upsert.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<SiloRecord>> ListSilosAsync(CancellationToken cancellationToken = default)
    {
        await using var select = _dataSource.CreateCommand("""
            SELECT silo_id, role, status, journal_sequence, uploaded_sequence, ledger_version,
                   journal_lag_entries, journal_lag_ms, sync_lag_ms, last_seen_at
            FROM silos ORDER BY silo_id
            """);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var list = new List<SiloRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new SiloRecord(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4),
                reader.GetInt64(5), reader.GetInt64(6), reader.GetDouble(7), reader.GetDouble(8), reader.Time(9)));
        }

        return list;
    }

    public async Task<(ApiKey Key, string Token)> CreateApiKeyAsync(string name, IReadOnlyList<string> scopes, int requestsPerMinute, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        CentralStoreRules.CheckApiKey(name, scopes, requestsPerMinute);
        var (id, token) = ApiKeyToken.Create();
        ApiKeyToken.TryParse(token, out _, out var secret);
        var key = new ApiKey(id, name.Trim(), [.. scopes.Distinct(StringComparer.Ordinal)], requestsPerMinute, PostgresValues.AsStored(at), null);
        await using var insert = _dataSource.CreateCommand("""
            INSERT INTO api_keys(id, name, scopes, requests_per_minute, secret_sha256, created_at)
            VALUES (@id, @name, @scopes, @rpm, @hash, @at)
            """)
            .With("id", key.Id).With("name", key.Name).With("scopes", NpgsqlDbType.Array | NpgsqlDbType.Text, key.Scopes.ToArray())
            .With("rpm", key.RequestsPerMinute).With("hash", ApiKeyToken.HashSecret(secret)).With("at", PostgresValues.Utc(key.CreatedAt));
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return (key, token);
    }

    public async Task<ApiKey?> AuthenticateApiKeyAsync(string token, CancellationToken cancellationToken = default)
    {
        if (!ApiKeyToken.TryParse(token, out var id, out var secret))
        {
            return null;
        }

        await using var select = _dataSource.CreateCommand($"{ApiKeySelect} WHERE id = @id").With("id", id);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var key = ReadApiKey(reader);
        var matches = ApiKeyToken.SecretMatches(secret, (byte[])reader[6]);
        return key.IsActive && matches ? key : null;
    }

    public async Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancellationToken = default)
    {
        await using var select = _dataSource.CreateCommand($"{ApiKeySelect} ORDER BY created_at, id");
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var list = new List<ApiKey>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(ReadApiKey(reader));
        }

        return list;
    }

    public async Task<bool> RevokeApiKeyAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var update = _dataSource.CreateCommand("UPDATE api_keys SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL")
            .With("id", id).With("at", PostgresValues.Utc(at));
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private const string ApiKeySelect = "SELECT id, name, scopes, requests_per_minute, created_at, revoked_at, secret_sha256 FROM api_keys";

    private static ApiKey ReadApiKey(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetFieldValue<string[]>(2), r.GetInt32(3), r.Time(4), r.NullableTime(5));

    public async Task<Webhook> CreateWebhookAsync(string url, IReadOnlyList<string> eventTypes, string secret, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        CentralStoreRules.CheckWebhook(url, eventTypes, secret);
        var webhook = new Webhook(CentralStoreRules.NewId(), url, [.. eventTypes.Distinct(StringComparer.Ordinal)], secret, PostgresValues.AsStored(at));
        await using var insert = _dataSource.CreateCommand("INSERT INTO webhooks(id, url, event_types, secret, created_at) VALUES (@id, @url, @types, @secret, @at)")
            .With("id", webhook.Id).With("url", webhook.Url).With("types", NpgsqlDbType.Array | NpgsqlDbType.Text, webhook.EventTypes.ToArray())
            .With("secret", webhook.Secret).With("at", PostgresValues.Utc(webhook.CreatedAt));
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return webhook;
    }

    public async Task<IReadOnlyList<Webhook>> ListWebhooksAsync(CancellationToken cancellationToken = default)
    {
        await using var select = _dataSource.CreateCommand("SELECT id, url, event_types, secret, created_at FROM webhooks ORDER BY created_at, id");
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var list = new List<Webhook>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new Webhook(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetString(3), reader.Time(4)));
        }

        return list;
    }

    /// <summary>Deletes the webhook and (by cascade) its outbox rows: there is nowhere left to send them.</summary>
    public async Task<bool> DeleteWebhookAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var delete = _dataSource.CreateCommand("DELETE FROM webhooks WHERE id = @id").With("id", id);
        return await delete.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<int> EnqueueWebhookEventsAsync(IReadOnlyList<WebhookEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return 0;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await EnqueueWebhookEventsAsync(connection, events, cancellationToken);
    }

    /// <summary>
    /// The outbox rows for <paramref name="events"/>, on the caller's connection (and in its transaction).
    /// The webhooks are locked for key share: a webhook being deleted meanwhile is waited for and then
    /// skipped, where a plain join would insert a row for it and fail the whole change on the foreign key.
    /// </summary>
    private static async Task<int> EnqueueWebhookEventsAsync(NpgsqlConnection connection, IReadOnlyList<WebhookEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return 0;
        }

        await using var insert = new NpgsqlCommand("""
            INSERT INTO webhook_deliveries(webhook_id, event_type, payload, event_at, next_attempt_at)
            SELECT w.id, e.type, e.payload, e.at, e.at
            FROM unnest(@type, @payload, @at) WITH ORDINALITY AS e(type, payload, at, n)
            JOIN webhooks w ON e.type = ANY (w.event_types)
            ORDER BY e.n, w.created_at, w.id
            FOR KEY SHARE OF w
            """, connection)
            .With("type", NpgsqlDbType.Array | NpgsqlDbType.Text, events.Select(e => e.Type).ToArray())
            .With("payload", NpgsqlDbType.Array | NpgsqlDbType.Text, events.Select(e => e.PayloadJson).ToArray())
            .With("at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, events.Select(e => PostgresValues.Utc(e.At)).ToArray());
        return await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<WebhookDelivery>> ReadDueDeliveriesAsync(DateTimeOffset now, int limit, string? webhookId = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        // The webhook condition is left out when none is given, rather than written "@webhook IS NULL
        // OR ...", so the planner can use the per-webhook index when one is.
        await using var select = _dataSource.CreateCommand($"""
            SELECT d.id, d.event_type, d.payload, d.event_at, d.attempts, d.next_attempt_at,
                   w.id, w.url, w.event_types, w.secret, w.created_at
            FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
            WHERE d.delivered_at IS NULL AND NOT d.given_up AND d.next_attempt_at <= @now
                  {(webhookId is null ? "" : "AND d.webhook_id = @webhook")}
            ORDER BY d.next_attempt_at, d.id
            LIMIT @limit
            """).With("now", PostgresValues.Utc(now)).With("limit", limit);
        if (webhookId is not null)
        {
            select.With("webhook", webhookId);
        }

        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var list = new List<WebhookDelivery>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var webhook = new Webhook(reader.GetString(6), reader.GetString(7), reader.GetFieldValue<string[]>(8), reader.GetString(9), reader.Time(10));
            list.Add(new WebhookDelivery(reader.GetInt64(0), webhook, reader.GetString(1), reader.GetString(2), reader.Time(3), reader.GetInt32(4), reader.Time(5)));
        }

        return list;
    }

    public async Task MarkDeliveredAsync(long deliveryId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var update = _dataSource.CreateCommand("""
            UPDATE webhook_deliveries SET delivered_at = @at, attempts = attempts + 1
            WHERE id = @id AND delivered_at IS NULL AND NOT given_up
            """).With("id", deliveryId).With("at", PostgresValues.Utc(at));
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> PruneWebhookDeliveriesAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken = default)
    {
        await using var delete = _dataSource.CreateCommand("""
            DELETE FROM webhook_deliveries
            WHERE delivered_at < @before OR (given_up AND next_attempt_at < @before)
            """).With("before", PostgresValues.Utc(finishedBefore));
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task MarkFailedAsync(long deliveryId, string error, DateTimeOffset? nextAttemptAt, CancellationToken cancellationToken = default)
    {
        await using var update = _dataSource.CreateCommand("""
            UPDATE webhook_deliveries SET
                attempts = attempts + 1,
                last_error = @error,
                next_attempt_at = coalesce(@next, next_attempt_at),
                given_up = @next IS NULL
            WHERE id = @id AND delivered_at IS NULL AND NOT given_up
            """)
            .With("id", deliveryId).With("error", error ?? "")
            .With("next", NpgsqlDbType.TimestampTz, PostgresValues.Utc(nextAttemptAt));
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<(long Pending, long Delivered, long Failed)> CountDeliveriesAsync(CancellationToken cancellationToken = default)
    {
        await using var count = _dataSource.CreateCommand("""
            SELECT count(*) FILTER (WHERE delivered_at IS NULL AND NOT given_up),
                   count(*) FILTER (WHERE delivered_at IS NOT NULL),
                   count(*) FILTER (WHERE given_up)
            FROM webhook_deliveries
            """);
        await using var reader = await count.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    public async Task<IReadOnlyDictionary<string, WebhookDeliveryStatus>> GetDeliveryStatusAsync(CancellationToken cancellationToken = default)
    {
        await using var select = _dataSource.CreateCommand("""
            SELECT d.webhook_id,
                   count(*) FILTER (WHERE d.delivered_at IS NULL AND NOT d.given_up),
                   count(*) FILTER (WHERE d.delivered_at IS NOT NULL),
                   count(*) FILTER (WHERE d.given_up),
                   (SELECT e.last_error FROM webhook_deliveries e
                    WHERE e.webhook_id = d.webhook_id AND e.delivered_at IS NULL AND e.last_error IS NOT NULL
                    ORDER BY e.id DESC LIMIT 1)
            FROM webhook_deliveries d
            GROUP BY d.webhook_id
            """);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var status = new Dictionary<string, WebhookDeliveryStatus>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            status[reader.GetString(0)] = new WebhookDeliveryStatus(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4));
        }

        return status;
    }

    public async Task<int> RetryGivenUpDeliveriesAsync(string webhookId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var update = _dataSource.CreateCommand("""
            UPDATE webhook_deliveries SET given_up = false, attempts = 0, next_attempt_at = @at
            WHERE webhook_id = @webhook AND given_up AND delivered_at IS NULL
            """).With("webhook", webhookId).With("at", PostgresValues.Utc(at));
        return await update.ExecuteNonQueryAsync(cancellationToken);
    }
}
