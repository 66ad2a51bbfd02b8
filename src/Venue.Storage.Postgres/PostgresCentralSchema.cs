namespace Venue.Storage.Postgres;

/// <summary>
/// Central's PostgreSQL migrations, applied in order; step N brings the schema to version N. Append
/// new steps, never edit applied ones. Tables are created in the first schema of the connection's
/// search path.
/// </summary>
internal static class PostgresCentralSchema
{
    /// <summary>The advisory lock migrators take, so concurrent ones run one after the other.</summary>
    public const long MigrationLock = 0x56454e55455f4d47; // "VENUE_MG"

    public static IReadOnlyList<string> Migrations { get; } =
    [
        """
        CREATE TABLE events(
            id text PRIMARY KEY,
            name text NOT NULL,
            created_at timestamptz NOT NULL);

        -- Ledger versions, feed ids and conflict ids are taken from these rows inside the writing
        -- transaction: the row lock is held until commit, so the numbers become visible in commit
        -- order and a reader following them never skips a row committed late (a sequence would).
        CREATE TABLE counters(
            name text PRIMARY KEY,
            value bigint NOT NULL);
        INSERT INTO counters(name, value) VALUES ('ledger', 0), ('feed', 0), ('conflict', 0);

        -- Grain etags need only be unique, never reused: a sequence will do.
        CREATE SEQUENCE grain_state_version;

        -- Ids are at most 128 characters, the sync wire's limit (SyncWireMapping.MaxIdLength).
        CREATE TABLE attendees(
            id text PRIMARY KEY CHECK (length(id) <= 128),
            name text NOT NULL,
            email text,
            company text,
            ticket_type text NOT NULL,
            valid_from timestamptz,
            valid_until timestamptz,
            status smallint NOT NULL,
            gates jsonb,
            token text NOT NULL,
            token_hash bytea NOT NULL,
            version bigint NOT NULL UNIQUE,
            updated_at timestamptz NOT NULL);

        CREATE TABLE revoked_tokens(
            token_hash bytea PRIMARY KEY,
            version bigint NOT NULL UNIQUE,
            revoked_at timestamptz NOT NULL);

        CREATE TABLE checkins(
            edge_id text NOT NULL,
            seq bigint NOT NULL,
            feed_id bigint NOT NULL UNIQUE,
            hlc bigint NOT NULL,
            gate text NOT NULL,
            attendee text,
            ticket_type text,
            direction smallint NOT NULL,
            reason smallint NOT NULL,
            nonce text NOT NULL,
            at timestamptz NOT NULL,
            scanned_at timestamptz NOT NULL,
            received_at timestamptz NOT NULL,
            late boolean NOT NULL,
            PRIMARY KEY (edge_id, seq));

        -- Per edge, the sequence up to which every entry is held.
        CREATE TABLE edge_positions(
            edge_id text PRIMARY KEY,
            contiguous bigint NOT NULL);

        CREATE TABLE conflicts(
            id bigint PRIMARY KEY,
            attendee_id text NOT NULL,
            first_edge text NOT NULL,
            first_seq bigint NOT NULL,
            first_gate text NOT NULL,
            first_at timestamptz NOT NULL,
            first_hlc bigint NOT NULL,
            second_edge text NOT NULL,
            second_seq bigint NOT NULL,
            second_gate text NOT NULL,
            second_at timestamptz NOT NULL,
            second_hlc bigint NOT NULL,
            detected_at timestamptz NOT NULL,
            acknowledged_at timestamptz,
            acknowledged_by text,
            UNIQUE (attendee_id, second_edge, second_seq));

        CREATE TABLE silos(
            silo_id text PRIMARY KEY,
            role text NOT NULL,
            status text NOT NULL,
            journal_sequence bigint NOT NULL,
            uploaded_sequence bigint NOT NULL,
            ledger_version bigint NOT NULL,
            journal_lag_entries bigint NOT NULL,
            journal_lag_ms double precision NOT NULL,
            sync_lag_ms double precision NOT NULL,
            last_seen_at timestamptz NOT NULL);

        CREATE TABLE devices(
            id text PRIMARY KEY,
            name text NOT NULL,
            role text NOT NULL,
            secret_sha256 bytea NOT NULL,
            created_at timestamptz NOT NULL,
            revoked_at timestamptz);

        CREATE TABLE api_keys(
            id text PRIMARY KEY,
            name text NOT NULL,
            scopes text[] NOT NULL,
            requests_per_minute integer NOT NULL,
            secret_sha256 bytea NOT NULL,
            created_at timestamptz NOT NULL,
            revoked_at timestamptz);

        CREATE TABLE webhooks(
            id text PRIMARY KEY,
            url text NOT NULL,
            event_types text[] NOT NULL,
            secret text NOT NULL,
            created_at timestamptz NOT NULL);

        CREATE TABLE webhook_deliveries(
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            webhook_id text NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
            event_type text NOT NULL,
            payload text NOT NULL,
            event_at timestamptz NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL,
            delivered_at timestamptz,
            given_up boolean NOT NULL DEFAULT false,
            last_error text);
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at, id)
            WHERE delivered_at IS NULL AND NOT given_up;
        CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id);

        CREATE TABLE grain_state(
            grain_type text NOT NULL,
            grain_key text NOT NULL,
            version bigint NOT NULL,
            payload jsonb NOT NULL,
            PRIMARY KEY (grain_type, grain_key));
        """,
        """
        -- The dispatcher reads each webhook's due deliveries on their own: without this index, a
        -- webhook that stopped answering would make every read of the others wade through its backlog.
        CREATE INDEX webhook_deliveries_due_by_webhook ON webhook_deliveries(webhook_id, next_attempt_at, id)
            WHERE delivered_at IS NULL AND NOT given_up;
        """,
        """
        -- Counts the claims taken on this store: a central that took one stores check-ins and
        -- conflicts only while it is still the latest (a fence; PostgresCentralClaim).
        INSERT INTO counters(name, value) VALUES ('claim', 0) ON CONFLICT (name) DO NOTHING;
        """,
    ];
}
