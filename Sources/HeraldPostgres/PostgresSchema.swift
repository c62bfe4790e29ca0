/// Versioned schema of the PostgreSQL backend. Append migrations; never edit a shipped one.
enum PostgresSchema {
    /// (version, statements) in order.
    static let migrations: [(version: Int, statements: [String])] = [
        (1, [
            """
            CREATE TABLE accounts (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TIMESTAMPTZ NOT NULL)
            """,
            """
            CREATE TABLE api_keys (hash TEXT PRIMARY KEY, prefix TEXT NOT NULL, account_id TEXT NOT NULL REFERENCES accounts(id),
                created_at TIMESTAMPTZ NOT NULL)
            """,
            """
            CREATE TABLE messages (
                id TEXT PRIMARY KEY, account_id TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL, sender TEXT,
                subject TEXT, body TEXT NOT NULL, tag TEXT, status TEXT NOT NULL, reason TEXT, segments INT NOT NULL, encoding TEXT,
                characters INT NOT NULL, accepted_parts INT NOT NULL DEFAULT 0, price_micros BIGINT NOT NULL,
                conflict BOOLEAN NOT NULL DEFAULT FALSE, engagement TEXT NOT NULL DEFAULT '', created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL, send_at TIMESTAMPTZ, expires_at TIMESTAMPTZ NOT NULL,
                final BOOLEAN NOT NULL DEFAULT FALSE, callback_url TEXT, idempotency_key TEXT, parts TEXT NOT NULL)
            """,
            "CREATE UNIQUE INDEX messages_idempotency ON messages(account_id, idempotency_key) WHERE idempotency_key IS NOT NULL",
            "CREATE INDEX messages_account ON messages(account_id, id)",
            "CREATE INDEX messages_account_status ON messages(account_id, status, id)",
            "CREATE INDEX messages_account_recipient ON messages(account_id, recipient, id)",
            "CREATE INDEX messages_account_tag ON messages(account_id, tag, id) WHERE tag IS NOT NULL",
            "CREATE INDEX messages_open ON messages(expires_at) WHERE NOT final",
            """
            CREATE TABLE events (
                seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL, message_id TEXT NOT NULL, account_id TEXT NOT NULL, part INT,
                kind TEXT NOT NULL, reason TEXT, source TEXT NOT NULL, occurred_at TIMESTAMPTZ NOT NULL, recorded_at TIMESTAMPTZ NOT NULL,
                connector TEXT, provider_id TEXT, attempt INT, next_attempt_at TIMESTAMPTZ, detail_status TEXT, detail_error_code TEXT,
                detail_network_error_code TEXT, detail_text TEXT, dedup_key TEXT NOT NULL,
                UNIQUE (message_id, dedup_key))
            """,
            "CREATE INDEX events_account ON events(account_id, seq)",
            """
            CREATE TABLE queue (message_id TEXT PRIMARY KEY, available_at TIMESTAMPTZ NOT NULL, lease_owner TEXT,
                lease_until TIMESTAMPTZ, attempt INT NOT NULL DEFAULT 0)
            """,
            "CREATE INDEX queue_due ON queue(available_at)",
            """
            CREATE TABLE correlations (connector TEXT NOT NULL, provider_id TEXT NOT NULL, message_id TEXT NOT NULL, part INT NOT NULL,
                PRIMARY KEY (connector, provider_id))
            """,
            """
            CREATE TABLE receipts (
                id TEXT PRIMARY KEY, connector TEXT NOT NULL, provider_id TEXT NOT NULL, kind TEXT NOT NULL, reason TEXT,
                occurred_at TIMESTAMPTZ NOT NULL, received_at TIMESTAMPTZ NOT NULL, detail_status TEXT, detail_error_code TEXT,
                detail_network_error_code TEXT, detail_text TEXT, matched_message_id TEXT,
                matched_at TIMESTAMPTZ)
            """,
            "CREATE INDEX receipts_unmatched ON receipts(connector, provider_id) WHERE matched_message_id IS NULL",
        ]),
        (2, [
            "CREATE INDEX messages_recipient ON messages(recipient, id)",
            """
            CREATE TABLE inbound (id TEXT PRIMARY KEY, account_id TEXT, connector TEXT NOT NULL, sender TEXT NOT NULL,
                recipient TEXT NOT NULL, body TEXT NOT NULL, received_at TIMESTAMPTZ NOT NULL, in_reply_to TEXT)
            """,
            "CREATE INDEX inbound_account ON inbound(account_id, id)",
        ]),
        (3, [
            """
            CREATE TABLE suppressions (account_id TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL, sender TEXT NOT NULL,
                source TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (account_id, channel, recipient, sender))
            """,
            "CREATE INDEX suppressions_recent ON suppressions(account_id, created_at)",
        ]),
        (4, [
            "ALTER TABLE accounts ADD COLUMN settings TEXT NOT NULL DEFAULT '{}'",
            "ALTER TABLE accounts ADD COLUMN balance_micros INT8",
            "ALTER TABLE messages ADD COLUMN reserved_micros INT8",
            "ALTER TABLE messages ADD COLUMN charged_micros INT8 NOT NULL DEFAULT 0",
            "ALTER TABLE events ADD COLUMN round INT NOT NULL DEFAULT 0",
            "ALTER TABLE correlations ADD COLUMN round INT NOT NULL DEFAULT 0",
            """
            CREATE TABLE templates (account_id TEXT NOT NULL, name TEXT NOT NULL, channel TEXT, subject TEXT, body TEXT NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (account_id, name))
            """,
            "CREATE TABLE dnd (account_id TEXT NOT NULL, recipient TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (account_id, recipient))",
        ]),
        (5, [
            // Feed order: the writing transaction, then the sequence (see FeedCursor). Rows written before this
            // migration share the migration's transaction id.
            "ALTER TABLE events ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id()",
            "CREATE INDEX events_feed ON events(account_id, tx, seq)",
        ]),
        (6, [
            "CREATE INDEX events_feed_all ON events(tx, seq)",
            "ALTER TABLE accounts ADD COLUMN callback_secret TEXT",
            """
            CREATE TABLE webhooks (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, url TEXT NOT NULL, events TEXT NOT NULL, secret TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL, vocabulary TEXT NOT NULL DEFAULT 'canonical')
            """,
            "CREATE INDEX webhooks_account ON webhooks(account_id)",
            """
            CREATE TABLE webhook_deliveries (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, webhook_id TEXT, target TEXT NOT NULL, url TEXT NOT NULL,
                event_id TEXT NOT NULL, message_id TEXT NOT NULL, sequence INT8 NOT NULL, payload TEXT NOT NULL, state TEXT NOT NULL,
                attempts INT NOT NULL DEFAULT 0, next_attempt_at TIMESTAMPTZ NOT NULL, lease_until TIMESTAMPTZ, created_at TIMESTAMPTZ NOT NULL,
                delivered_at TIMESTAMPTZ, last_status INT, last_latency_ms INT, last_error TEXT, UNIQUE (target, event_id))
            """,
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE state = 'pending'",
            "CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, id)",
            """
            CREATE TABLE webhook_attempts (delivery_id TEXT NOT NULL, at TIMESTAMPTZ NOT NULL, status INT, latency_ms INT NOT NULL, error TEXT)
            """,
            "CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, at)",
            "CREATE TABLE feed_cursors (name TEXT PRIMARY KEY, tx INT8 NOT NULL, seq INT8 NOT NULL)",
        ]),
        (7, [
            "ALTER TABLE messages ADD COLUMN provider_status TEXT",
            "ALTER TABLE messages ADD COLUMN provider_error TEXT",
        ]),
        (8, [
            """
            CREATE TABLE campaigns (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL, template TEXT NOT NULL, channel TEXT,
                sender TEXT, category TEXT NOT NULL, tag TEXT, send_at TIMESTAMPTZ, validity_minutes INT, callback_url TEXT, state TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL, invalid_rows INT8 NOT NULL DEFAULT 0)
            """,
            "CREATE INDEX campaigns_account ON campaigns(account_id, id)",
            "ALTER TABLE messages ADD COLUMN campaign_id TEXT",
            "CREATE INDEX messages_campaign ON messages(campaign_id, id) WHERE campaign_id IS NOT NULL",
            "CREATE INDEX messages_campaign_status ON messages(campaign_id, status, id) WHERE campaign_id IS NOT NULL",
            "ALTER TABLE queue ADD COLUMN paused_from TIMESTAMPTZ",
        ]),
        (9, [
            // Campaign counts as an index-only scan.
            """
            CREATE INDEX messages_campaign_counts ON messages(campaign_id, status, reason) INCLUDE (final, accepted_parts, price_micros)
                WHERE campaign_id IS NOT NULL
            """,
        ]),
        (10, [
            // Every submission with an id is kept (SMSCs restart and reuse ids); the receipt matcher picks one.
            "ALTER TABLE correlations DROP CONSTRAINT correlations_pkey",
            "ALTER TABLE correlations ADD COLUMN seq BIGSERIAL",
            "ALTER TABLE correlations ADD COLUMN correlated_at TIMESTAMPTZ",
            "ALTER TABLE correlations ADD PRIMARY KEY (seq)",
            "CREATE UNIQUE INDEX correlations_unique ON correlations(connector, provider_id, message_id, part, round)",
            "CREATE INDEX correlations_provider ON correlations(connector, provider_id, seq)",
            "ALTER TABLE receipts ADD COLUMN addresses TEXT",
            "ALTER TABLE receipts ADD COLUMN submitted_at TIMESTAMPTZ",
            "ALTER TABLE receipts ADD COLUMN parked_reason TEXT",
            "ALTER TABLE receipts ADD COLUMN match_keys TEXT[]",
            "ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'account'",
        ]),
        (11, [
            // Opt-in batched webhooks: up to batch_max_events events per POST, held at most batch_max_latency_ms.
            "ALTER TABLE webhooks ADD COLUMN batch_max_events INT",
            "ALTER TABLE webhooks ADD COLUMN batch_max_latency_ms INT",
        ]),
        (12, [
            // E-mail: the HTML body and the Reply-To address.
            "ALTER TABLE messages ADD COLUMN html TEXT",
            "ALTER TABLE messages ADD COLUMN reply_to TEXT",
        ]),
        (13, [
            // E-mail: custom headers, attachments and tracking, as one JSON value (MessageOptions).
            "ALTER TABLE messages ADD COLUMN email_options TEXT",
        ]),
        (14, [
            // E-mail templates: the HTML body.
            "ALTER TABLE templates ADD COLUMN html TEXT",
        ]),
        (15, [
            // HTTP providers' webhooks as they arrived (evidence kept before they are acknowledged).
            """
            CREATE TABLE provider_webhooks (
                id TEXT PRIMARY KEY,
                connector TEXT NOT NULL,
                kind TEXT NOT NULL,
                received_at TIMESTAMPTZ NOT NULL,
                method TEXT NOT NULL,
                query TEXT,
                content_type TEXT,
                body BYTEA NOT NULL
            )
            """,
            "CREATE INDEX provider_webhooks_connector ON provider_webhooks(connector, id)",
        ]),
        (16, [
            // A provider that sends an inbound message again is recognised by its id: stored and linked once.
            "ALTER TABLE inbound ADD COLUMN provider_id TEXT",
            "CREATE UNIQUE INDEX inbound_provider ON inbound(connector, provider_id) WHERE provider_id IS NOT NULL",
        ]),
        (17, [
            // What providers report a message cost, per provider message, next to Herald's own price.
            """
            CREATE TABLE provider_prices (
                message_id TEXT NOT NULL,
                connector TEXT NOT NULL,
                provider_id TEXT NOT NULL,
                amount TEXT,
                currency TEXT,
                category TEXT,
                reported_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (message_id, connector, provider_id)
            )
            """,
            "ALTER TABLE receipts ADD COLUMN price_amount TEXT",
            "ALTER TABLE receipts ADD COLUMN price_currency TEXT",
            "ALTER TABLE receipts ADD COLUMN price_category TEXT",
        ]),
        (18, [
            // Keys get an id to list and revoke them by, scopes, a label and a rate limit; accounts can be closed.
            "ALTER TABLE api_keys ADD COLUMN id TEXT",
            "ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'send,read,admin'",
            "ALTER TABLE api_keys ADD COLUMN name TEXT",
            "ALTER TABLE api_keys ADD COLUMN rate_limit INT",
            "ALTER TABLE api_keys ADD COLUMN revoked_at TIMESTAMPTZ",
            "UPDATE api_keys SET id = 'key_' || upper(substr(hash, 1, 26))",
            "CREATE UNIQUE INDEX api_keys_id ON api_keys(id)",
            "CREATE INDEX api_keys_account ON api_keys(account_id)",
            "ALTER TABLE accounts ADD COLUMN disabled_at TIMESTAMPTZ",
        ]),
        (19, [
            // After a rotation the old secret signs beside the new one for a grace period.
            "ALTER TABLE webhooks ADD COLUMN previous_secret TEXT",
            "ALTER TABLE webhooks ADD COLUMN previous_secret_until TIMESTAMPTZ",
        ]),
        (20, [
            // Delivery analytics: counters added to as messages become final (DeliveryStats), read by the hour.
            """
            CREATE TABLE delivery_stats (
                account_id TEXT NOT NULL, hour BIGINT NOT NULL, connector TEXT NOT NULL, country TEXT NOT NULL, prefix TEXT NOT NULL,
                status TEXT NOT NULL, reason TEXT NOT NULL, count BIGINT NOT NULL, b0 BIGINT NOT NULL DEFAULT 0, b1 BIGINT NOT NULL DEFAULT 0, b2 BIGINT NOT NULL DEFAULT 0, b3 BIGINT NOT NULL DEFAULT 0, b4 BIGINT NOT NULL DEFAULT 0, b5 BIGINT NOT NULL DEFAULT 0, b6 BIGINT NOT NULL DEFAULT 0, b7 BIGINT NOT NULL DEFAULT 0, b8 BIGINT NOT NULL DEFAULT 0, b9 BIGINT NOT NULL DEFAULT 0, b10 BIGINT NOT NULL DEFAULT 0, b11 BIGINT NOT NULL DEFAULT 0, b12 BIGINT NOT NULL DEFAULT 0, b13 BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (account_id, hour, connector, country, prefix, status, reason)
            )
            """,
            "CREATE INDEX delivery_stats_hour ON delivery_stats(hour)",
        ]),
        (21, [
            // The log filtered by reason (dashboard, GET /v1/messages?reason=) without a scan; only rows with a reason are in it.
            "CREATE INDEX messages_account_reason ON messages(account_id, reason, id) WHERE reason IS NOT NULL",
        ]),
        (22, [
            // How far each account's retention sweep has redacted, per table (the last id done).
            "CREATE TABLE retention_marks (account_id TEXT NOT NULL, kind TEXT NOT NULL, through TEXT NOT NULL, PRIMARY KEY (account_id, kind))",
        ]),
        (23, [
            // A campaign's finals by minute and status (CampaignProgress), counted as they happen; filled once from the
            // messages already final.
            """
            CREATE TABLE campaign_progress (
                campaign_id TEXT NOT NULL, minute BIGINT NOT NULL, status TEXT NOT NULL, count BIGINT NOT NULL,
                PRIMARY KEY (campaign_id, minute, status)
            )
            """,
            """
            INSERT INTO campaign_progress (campaign_id, minute, status, count)
            SELECT campaign_id, floor(extract(epoch FROM updated_at) / 60)::int8, status, COUNT(*) FROM messages
            WHERE campaign_id IS NOT NULL AND final GROUP BY 1, 2, 3
            """,
        ]),
        (24, [
            // Every open and click counted per message (EngagementCount); filled once from the events (the first of each).
            """
            CREATE TABLE engagement_counts (
                message_id TEXT NOT NULL, kind TEXT NOT NULL, count BIGINT NOT NULL, first_at TIMESTAMPTZ NOT NULL, last_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (message_id, kind)
            )
            """,
            """
            INSERT INTO engagement_counts (message_id, kind, count, first_at, last_at)
            SELECT message_id, kind, COUNT(*), MIN(occurred_at), MAX(occurred_at) FROM events WHERE kind IN ('OPENED', 'CLICKED') GROUP BY 1, 2
            """,
        ]),
    ]
}
