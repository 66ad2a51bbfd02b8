using Microsoft.Data.Sqlite;
using Venue.Domain.Central;
using Venue.Storage.Central;

namespace Venue.Storage.Sqlite.Central;

/// <summary>The silo table, integrator API keys, webhooks and their outbox.</summary>
public sealed partial class SqliteCentralStore
{
    public Task UpsertSiloAsync(SiloRecord silo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentException.ThrowIfNullOrEmpty(silo.SiloId);
        return WriteAsync(transaction =>
        {
            using var upsert = _writer.Command("""
                INSERT INTO silos(silo_id, role, status, journal_sequence, uploaded_sequence, ledger_version,
                                  journal_lag_entries, journal_lag_ms, sync_lag_ms, last_seen_at_us)
                VALUES ($id, $role, $status, $js, $us, $lv, $lag_entries, $lag_ms, $sync_ms, $seen)
                ON CONFLICT(silo_id) DO UPDATE SET
                    role = excluded.role, status = excluded.status, journal_sequence = excluded.journal_sequence,
                    uploaded_sequence = excluded.uploaded_sequence, ledger_version = excluded.ledger_version,
                    journal_lag_entries = excluded.journal_lag_entries, journal_lag_ms = excluded.journal_lag_ms,
                    sync_lag_ms = excluded.sync_lag_ms, last_seen_at_us = excluded.last_seen_at_us
                """, transaction)
                .With("$id", silo.SiloId).With("$role", silo.Role).With("$status", silo.Status)
                .With("$js", silo.JournalSequence).With("$us", silo.UploadedSequence).With("$lv", silo.LedgerVersion)
                .With("$lag_entries", silo.JournalLagEntries).With("$lag_ms", silo.JournalLagMs).With("$sync_ms", silo.SyncLagMs)
                .With("$seen", SqliteValues.Micros(silo.LastSeenAt));
            return upsert.ExecuteNonQuery();
        }, cancellationToken);
    }

    public Task<IReadOnlyList<SiloRecord>> ListSilosAsync(CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        using var select = connection.Command("""
            SELECT silo_id, role, status, journal_sequence, uploaded_sequence, ledger_version,
                   journal_lag_entries, journal_lag_ms, sync_lag_ms, last_seen_at_us
            FROM silos ORDER BY silo_id
            """);
        using var reader = select.ExecuteReader();
        var list = new List<SiloRecord>();
        while (reader.Read())
        {
            list.Add(new SiloRecord(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4),
                reader.GetInt64(5), reader.GetInt64(6), reader.GetDouble(7), reader.GetDouble(8), reader.Time(9)));
        }

        return Task.FromResult<IReadOnlyList<SiloRecord>>(list);
    }

    public async Task<(ApiKey Key, string Token)> CreateApiKeyAsync(string name, IReadOnlyList<string> scopes, int requestsPerMinute, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        CentralStoreRules.CheckApiKey(name, scopes, requestsPerMinute);
        var (id, token) = ApiKeyToken.Create();
        ApiKeyToken.TryParse(token, out _, out var secret);
        var key = new ApiKey(id, name.Trim(), [.. scopes.Distinct(StringComparer.Ordinal)], requestsPerMinute, SqliteValues.AsStored(at), null);
        await WriteAsync(transaction =>
        {
            using var insert = _writer.Command("""
                INSERT INTO api_keys(id, name, scopes, requests_per_minute, secret_sha256, created_at_us)
                VALUES ($id, $name, $scopes, $rpm, $hash, $at)
                """, transaction)
                .With("$id", key.Id).With("$name", key.Name).With("$scopes", SqliteValues.Json(key.Scopes))
                .With("$rpm", key.RequestsPerMinute).With("$hash", ApiKeyToken.HashSecret(secret)).With("$at", SqliteValues.Micros(key.CreatedAt));
            return insert.ExecuteNonQuery();
        }, cancellationToken);
        return (key, token);
    }

    public Task<ApiKey?> AuthenticateApiKeyAsync(string token, CancellationToken cancellationToken = default)
    {
        if (!ApiKeyToken.TryParse(token, out var id, out var secret))
        {
            return Task.FromResult<ApiKey?>(null);
        }

        using var connection = OpenReader();
        using var select = connection.Command($"{ApiKeySelect} WHERE id = $id").With("$id", id);
        using var reader = select.ExecuteReader();
        if (!reader.Read())
        {
            return Task.FromResult<ApiKey?>(null);
        }

        var key = ReadApiKey(reader);
        var matches = ApiKeyToken.SecretMatches(secret, (byte[])reader.GetValue(6));
        return Task.FromResult(key.IsActive && matches ? key : null);
    }

    public Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        using var select = connection.Command($"{ApiKeySelect} ORDER BY created_at_us, id");
        using var reader = select.ExecuteReader();
        var list = new List<ApiKey>();
        while (reader.Read())
        {
            list.Add(ReadApiKey(reader));
        }

        return Task.FromResult<IReadOnlyList<ApiKey>>(list);
    }

    public Task<bool> RevokeApiKeyAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        WriteAsync(transaction =>
        {
            using var update = _writer.Command("UPDATE api_keys SET revoked_at_us = $at WHERE id = $id AND revoked_at_us IS NULL", transaction)
                .With("$id", id).With("$at", SqliteValues.Micros(at));
            return update.ExecuteNonQuery() == 1;
        }, cancellationToken);

    private const string ApiKeySelect = "SELECT id, name, scopes, requests_per_minute, created_at_us, revoked_at_us, secret_sha256 FROM api_keys";

    private static ApiKey ReadApiKey(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), SqliteValues.List(r.GetString(2)), r.GetInt32(3), r.Time(4), r.NullableTime(5));

    public async Task<Webhook> CreateWebhookAsync(string url, IReadOnlyList<string> eventTypes, string secret, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        CentralStoreRules.CheckWebhook(url, eventTypes, secret);
        var webhook = new Webhook(CentralStoreRules.NewId(), url, [.. eventTypes.Distinct(StringComparer.Ordinal)], secret, SqliteValues.AsStored(at));
        await WriteAsync(transaction =>
        {
            using var insert = _writer.Command("INSERT INTO webhooks(id, url, event_types, secret, created_at_us) VALUES ($id, $url, $types, $secret, $at)", transaction)
                .With("$id", webhook.Id).With("$url", webhook.Url).With("$types", SqliteValues.Json(webhook.EventTypes))
                .With("$secret", webhook.Secret).With("$at", SqliteValues.Micros(webhook.CreatedAt));
            return insert.ExecuteNonQuery();
        }, cancellationToken);
        return webhook;
    }

    public Task<IReadOnlyList<Webhook>> ListWebhooksAsync(CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        return Task.FromResult<IReadOnlyList<Webhook>>(ReadWebhooks(connection, null));
    }

    private static List<Webhook> ReadWebhooks(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var select = connection.Command("SELECT id, url, event_types, secret, created_at_us FROM webhooks ORDER BY created_at_us, id", transaction);
        using var reader = select.ExecuteReader();
        var list = new List<Webhook>();
        while (reader.Read())
        {
            list.Add(new Webhook(reader.GetString(0), reader.GetString(1), SqliteValues.List(reader.GetString(2)), reader.GetString(3), reader.Time(4)));
        }

        return list;
    }

    /// <summary>Deletes the webhook and its undelivered outbox rows (there is nowhere left to send them).</summary>
    public Task<bool> DeleteWebhookAsync(string id, CancellationToken cancellationToken = default) =>
        WriteAsync(transaction =>
        {
            using var outbox = _writer.Command("DELETE FROM webhook_deliveries WHERE webhook_id = $id", transaction).With("$id", id);
            outbox.ExecuteNonQuery();
            using var delete = _writer.Command("DELETE FROM webhooks WHERE id = $id", transaction).With("$id", id);
            return delete.ExecuteNonQuery() == 1;
        }, cancellationToken);

    public Task<int> EnqueueWebhookEventsAsync(IReadOnlyList<WebhookEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return Task.FromResult(0);
        }

        return WriteAsync(transaction => EnqueueWebhookEvents(transaction, events), cancellationToken);
    }

    /// <summary>The outbox rows for <paramref name="events"/>, inside the caller's write.</summary>
    private int EnqueueWebhookEvents(SqliteTransaction transaction, IReadOnlyList<WebhookEvent> events)
    {
        if (events.Count == 0)
        {
            return 0;
        }

        var webhooks = ReadWebhooks(_writer, transaction);
        using var insert = _writer.Command("""
            INSERT INTO webhook_deliveries(webhook_id, event_type, payload, event_at_us, next_attempt_at_us)
            VALUES ($webhook, $type, $payload, $at, $at)
            """, transaction);
        var added = 0;
        foreach (var e in events)
        {
            foreach (var webhook in webhooks.Where(w => w.EventTypes.Contains(e.Type, StringComparer.Ordinal)))
            {
                insert.Parameters.Clear();
                insert.With("$webhook", webhook.Id).With("$type", e.Type).With("$payload", e.PayloadJson).With("$at", SqliteValues.Micros(e.At));
                added += insert.ExecuteNonQuery();
            }
        }

        return added;
    }

    public Task<IReadOnlyList<WebhookDelivery>> ReadDueDeliveriesAsync(DateTimeOffset now, int limit, string? webhookId = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        using var connection = OpenReader();
        // The webhook condition is left out when none is given, rather than written "$webhook IS NULL
        // OR ...", so the planner can use the per-webhook index when one is.
        using var select = connection.Command($"""
            SELECT d.id, d.event_type, d.payload, d.event_at_us, d.attempts, d.next_attempt_at_us,
                   w.id, w.url, w.event_types, w.secret, w.created_at_us
            FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
            WHERE d.delivered_at_us IS NULL AND d.given_up = 0 AND d.next_attempt_at_us <= $now
                  {(webhookId is null ? "" : "AND d.webhook_id = $webhook")}
            ORDER BY d.next_attempt_at_us, d.id
            LIMIT $limit
            """).With("$now", SqliteValues.Micros(now)).With("$limit", limit);
        if (webhookId is not null)
        {
            select.With("$webhook", webhookId);
        }

        using var reader = select.ExecuteReader();
        var list = new List<WebhookDelivery>();
        while (reader.Read())
        {
            var webhook = new Webhook(reader.GetString(6), reader.GetString(7), SqliteValues.List(reader.GetString(8)), reader.GetString(9), reader.Time(10));
            list.Add(new WebhookDelivery(reader.GetInt64(0), webhook, reader.GetString(1), reader.GetString(2), reader.Time(3), reader.GetInt32(4), reader.Time(5)));
        }

        return Task.FromResult<IReadOnlyList<WebhookDelivery>>(list);
    }

    public Task MarkDeliveredAsync(long deliveryId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        WriteAsync(transaction =>
        {
            using var update = _writer.Command("""
                UPDATE webhook_deliveries SET delivered_at_us = $at, attempts = attempts + 1
                WHERE id = $id AND delivered_at_us IS NULL AND given_up = 0
                """, transaction).With("$id", deliveryId).With("$at", SqliteValues.Micros(at));
            return update.ExecuteNonQuery();
        }, cancellationToken);

    public Task<int> PruneWebhookDeliveriesAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken = default) =>
        WriteAsync(transaction =>
        {
            using var delete = _writer.Command("""
                DELETE FROM webhook_deliveries
                WHERE delivered_at_us < $before OR (given_up = 1 AND next_attempt_at_us < $before)
                """, transaction).With("$before", SqliteValues.Micros(finishedBefore));
            return delete.ExecuteNonQuery();
        }, cancellationToken);

    public Task MarkFailedAsync(long deliveryId, string error, DateTimeOffset? nextAttemptAt, CancellationToken cancellationToken = default) =>
        WriteAsync(transaction =>
        {
            using var update = _writer.Command("""
                UPDATE webhook_deliveries SET
                    attempts = attempts + 1,
                    last_error = $error,
                    next_attempt_at_us = coalesce($next, next_attempt_at_us),
                    given_up = CASE WHEN $next IS NULL THEN 1 ELSE 0 END
                WHERE id = $id AND delivered_at_us IS NULL AND given_up = 0
                """, transaction).With("$id", deliveryId).With("$error", error ?? "").With("$next", SqliteValues.Micros(nextAttemptAt));
            return update.ExecuteNonQuery();
        }, cancellationToken);

    public Task<(long Pending, long Delivered, long Failed)> CountDeliveriesAsync(CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        using var count = connection.Command("""
            SELECT coalesce(sum(delivered_at_us IS NULL AND given_up = 0), 0),
                   coalesce(sum(delivered_at_us IS NOT NULL), 0),
                   coalesce(sum(given_up <> 0), 0)
            FROM webhook_deliveries
            """);
        using var reader = count.ExecuteReader();
        reader.Read();
        return Task.FromResult((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
    }

    public Task<IReadOnlyDictionary<string, WebhookDeliveryStatus>> GetDeliveryStatusAsync(CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        using var select = connection.Command("""
            SELECT d.webhook_id,
                   sum(d.delivered_at_us IS NULL AND d.given_up = 0),
                   sum(d.delivered_at_us IS NOT NULL),
                   sum(d.given_up <> 0),
                   (SELECT e.last_error FROM webhook_deliveries e
                    WHERE e.webhook_id = d.webhook_id AND e.delivered_at_us IS NULL AND e.last_error IS NOT NULL
                    ORDER BY e.id DESC LIMIT 1)
            FROM webhook_deliveries d
            GROUP BY d.webhook_id
            """);
        using var reader = select.ExecuteReader();
        var status = new Dictionary<string, WebhookDeliveryStatus>(StringComparer.Ordinal);
        while (reader.Read())
        {
            status[reader.GetString(0)] = new WebhookDeliveryStatus(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4));
        }

        return Task.FromResult<IReadOnlyDictionary<string, WebhookDeliveryStatus>>(status);
    }

    public Task<int> RetryGivenUpDeliveriesAsync(string webhookId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        WriteAsync(transaction =>
        {
            using var update = _writer.Command("""
                UPDATE webhook_deliveries SET given_up = 0, attempts = 0, next_attempt_at_us = $at
                WHERE webhook_id = $webhook AND given_up <> 0 AND delivered_at_us IS NULL
                """, transaction).With("$webhook", webhookId).With("$at", SqliteValues.Micros(at));
            return update.ExecuteNonQuery();
        }, cancellationToken);
}
