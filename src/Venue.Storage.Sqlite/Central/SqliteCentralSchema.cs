namespace Venue.Storage.Sqlite.Central;

/// <summary>
/// central.db's migrations, applied in order; step N brings the schema to version N. Append new
/// steps, never edit applied ones. Times are whole microseconds since the Unix epoch (UTC), as in
/// the edge journal; token hashes are 16 big-endian bytes.
/// </summary>
internal static class SqliteCentralSchema
{
    public static IReadOnlyList<string> Migrations { get; } =
    [
        """
        CREATE TABLE events(
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            created_at_us INTEGER NOT NULL);

        -- Ledger versions, feed ids, conflict ids and grain etags are taken from these rows inside the
        -- writing transaction, so they become visible in commit order.
        CREATE TABLE counters(
            name TEXT PRIMARY KEY,
            value INTEGER NOT NULL);
        INSERT INTO counters(name, value) VALUES ('ledger', 0), ('feed', 0), ('conflict', 0), ('grain', 0);

        -- Ids are at most 128 characters, the sync wire's limit (SyncWireMapping.MaxIdLength).
        CREATE TABLE attendees(
            id TEXT PRIMARY KEY CHECK (length(id) <= 128),
            name TEXT NOT NULL,
            email TEXT,
            company TEXT,
            ticket_type TEXT NOT NULL,
            valid_from_us INTEGER,
            valid_until_us INTEGER,
            status INTEGER NOT NULL,
            gates TEXT,
            token TEXT NOT NULL,
            token_hash BLOB NOT NULL,
            version INTEGER NOT NULL UNIQUE,
            updated_at_us INTEGER NOT NULL);

        CREATE TABLE revoked_tokens(
            token_hash BLOB PRIMARY KEY,
            version INTEGER NOT NULL UNIQUE,
            revoked_at_us INTEGER NOT NULL);

        CREATE TABLE checkins(
            edge_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            feed_id INTEGER NOT NULL UNIQUE,
            hlc INTEGER NOT NULL,
            gate TEXT NOT NULL,
            attendee TEXT,
            ticket_type TEXT,
            direction INTEGER NOT NULL,
            reason INTEGER NOT NULL,
            nonce TEXT NOT NULL,
            at_us INTEGER NOT NULL,
            scanned_at_us INTEGER NOT NULL,
            received_at_us INTEGER NOT NULL,
            late INTEGER NOT NULL,
            PRIMARY KEY (edge_id, seq));

        -- Per edge, the sequence up to which every entry is held.
        CREATE TABLE edge_positions(
            edge_id TEXT PRIMARY KEY,
            contiguous INTEGER NOT NULL);

        CREATE TABLE conflicts(
            id INTEGER PRIMARY KEY,
            attendee_id TEXT NOT NULL,
            first_edge TEXT NOT NULL,
            first_seq INTEGER NOT NULL,
            first_gate TEXT NOT NULL,
            first_at_us INTEGER NOT NULL,
            first_hlc INTEGER NOT NULL,
            second_edge TEXT NOT NULL,
            second_seq INTEGER NOT NULL,
            second_gate TEXT NOT NULL,
            second_at_us INTEGER NOT NULL,
            second_hlc INTEGER NOT NULL,
            detected_at_us INTEGER NOT NULL,
            acknowledged_at_us INTEGER,
            acknowledged_by TEXT,
            UNIQUE (attendee_id, second_edge, second_seq));

        CREATE TABLE silos(
            silo_id TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            status TEXT NOT NULL,
            journal_sequence INTEGER NOT NULL,
            uploaded_sequence INTEGER NOT NULL,
            ledger_version INTEGER NOT NULL,
            journal_lag_entries INTEGER NOT NULL,
            journal_lag_ms REAL NOT NULL,
            sync_lag_ms REAL NOT NULL,
            last_seen_at_us INTEGER NOT NULL);

        -- The same table SqliteDeviceCredentialStore creates, so that store serves central.db as is.
        CREATE TABLE IF NOT EXISTS devices(
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            secret_sha256 BLOB NOT NULL,
            created_at TEXT NOT NULL,
            revoked_at TEXT);

        CREATE TABLE api_keys(
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            scopes TEXT NOT NULL,
            requests_per_minute INTEGER NOT NULL,
            secret_sha256 BLOB NOT NULL,
            created_at_us INTEGER NOT NULL,
            revoked_at_us INTEGER);

        CREATE TABLE webhooks(
            id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            event_types TEXT NOT NULL,
            secret TEXT NOT NULL,
            created_at_us INTEGER NOT NULL);

        CREATE TABLE webhook_deliveries(
            id INTEGER PRIMARY KEY,
            webhook_id TEXT NOT NULL,
            event_type TEXT NOT NULL,
            payload TEXT NOT NULL,
            event_at_us INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at_us INTEGER NOT NULL,
            delivered_at_us INTEGER,
            given_up INTEGER NOT NULL DEFAULT 0,
            last_error TEXT);
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at_us, id)
            WHERE delivered_at_us IS NULL AND given_up = 0;
        CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id);

        CREATE TABLE grain_state(
            grain_type TEXT NOT NULL,
            grain_key TEXT NOT NULL,
            version INTEGER NOT NULL,
            payload TEXT NOT NULL,
            PRIMARY KEY (grain_type, grain_key));
        """,
        """
        -- The dispatcher reads each webhook's due deliveries on their own: without this index, a
        -- webhook that stopped answering would make every read of the others wade through its backlog.
        CREATE INDEX webhook_deliveries_due_by_webhook ON webhook_deliveries(webhook_id, next_attempt_at_us, id)
            WHERE delivered_at_us IS NULL AND given_up = 0;
        """,
        """
        -- Delivery ids are what receivers drop repeats by (Venue-Webhook-Id). Without AUTOINCREMENT,
        -- SQLite hands out the highest id again once its row is pruned or deleted, and a receiver
        -- would drop a new event as a repeat; PostgreSQL's identity never goes back. The table is
        -- rebuilt with it (SQLite cannot add it in place); ids freed before this step cannot be known.
        CREATE TABLE webhook_deliveries_new(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            webhook_id TEXT NOT NULL,
            event_type TEXT NOT NULL,
            payload TEXT NOT NULL,
            event_at_us INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at_us INTEGER NOT NULL,
            delivered_at_us INTEGER,
            given_up INTEGER NOT NULL DEFAULT 0,
            last_error TEXT);
        INSERT INTO webhook_deliveries_new(id, webhook_id, event_type, payload, event_at_us, attempts, next_attempt_at_us, delivered_at_us, given_up, last_error)
            SELECT id, webhook_id, event_type, payload, event_at_us, attempts, next_attempt_at_us, delivered_at_us, given_up, last_error
            FROM webhook_deliveries;
        DROP TABLE webhook_deliveries;
        ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries;
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at_us, id)
            WHERE delivered_at_us IS NULL AND given_up = 0;
        CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id);
        CREATE INDEX webhook_deliveries_due_by_webhook ON webhook_deliveries(webhook_id, next_attempt_at_us, id)
            WHERE delivered_at_us IS NULL AND given_up = 0;
        """,
    ];
}
