import GRDB

/// Versioned schema of the SQLite backend. Append migrations; never edit a shipped one.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE accounts (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    created_at REAL NOT NULL
                );
                CREATE TABLE api_keys (
                    hash TEXT PRIMARY KEY,
                    prefix TEXT NOT NULL,
                    account_id TEXT NOT NULL REFERENCES accounts(id),
                    created_at REAL NOT NULL
                );
                CREATE TABLE messages (
                    id TEXT PRIMARY KEY,
                    account_id TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    sender TEXT,
                    subject TEXT,
                    body TEXT NOT NULL,
                    tag TEXT,
                    status TEXT NOT NULL,
                    reason TEXT,
                    segments INTEGER NOT NULL,
                    encoding TEXT,
                    characters INTEGER NOT NULL,
                    accepted_parts INTEGER NOT NULL DEFAULT 0,
                    price_micros INTEGER NOT NULL,
                    conflict INTEGER NOT NULL DEFAULT 0,
                    engagement TEXT NOT NULL DEFAULT '',
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    send_at REAL,
                    expires_at REAL NOT NULL,
                    final INTEGER NOT NULL DEFAULT 0,
                    callback_url TEXT,
                    idempotency_key TEXT,
                    parts TEXT NOT NULL
                );
                CREATE UNIQUE INDEX messages_idempotency ON messages(account_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
                CREATE INDEX messages_account ON messages(account_id, id);
                CREATE INDEX messages_account_status ON messages(account_id, status, id);
                CREATE INDEX messages_account_recipient ON messages(account_id, recipient, id);
                CREATE INDEX messages_account_tag ON messages(account_id, tag, id) WHERE tag IS NOT NULL;
                CREATE INDEX messages_open ON messages(expires_at) WHERE final = 0;
                CREATE TABLE events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    account_id TEXT NOT NULL,
                    part INTEGER,
                    kind TEXT NOT NULL,
                    reason TEXT,
                    source TEXT NOT NULL,
                    occurred_at REAL NOT NULL,
                    recorded_at REAL NOT NULL,
                    connector TEXT,
                    provider_id TEXT,
                    attempt INTEGER,
                    next_attempt_at REAL,
                    detail_status TEXT,
                    detail_error_code TEXT,
                    detail_network_error_code TEXT,
                    detail_text TEXT,
                    dedup_key TEXT NOT NULL,
                    UNIQUE (message_id, dedup_key)
                );
                CREATE INDEX events_account ON events(account_id, seq);
                CREATE TABLE queue (
                    message_id TEXT PRIMARY KEY,
                    available_at REAL NOT NULL,
                    lease_owner TEXT,
                    lease_until REAL,
                    attempt INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                CREATE INDEX queue_due ON queue(available_at);
                CREATE TABLE correlations (
                    connector TEXT NOT NULL,
                    provider_id TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    part INTEGER NOT NULL,
                    PRIMARY KEY (connector, provider_id)
                ) WITHOUT ROWID;
                CREATE TABLE receipts (
                    id TEXT PRIMARY KEY,
                    connector TEXT NOT NULL,
                    provider_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    reason TEXT,
                    occurred_at REAL NOT NULL,
                    received_at REAL NOT NULL,
                    detail_status TEXT,
                    detail_error_code TEXT,
                    detail_network_error_code TEXT,
                    detail_text TEXT,
                    matched_message_id TEXT,
                    matched_at REAL
                );
                CREATE INDEX receipts_unmatched ON receipts(connector, provider_id) WHERE matched_message_id IS NULL;
                """)
        }
        migrator.registerMigration("v2-inbound") { db in
            try db.execute(sql: """
                CREATE INDEX messages_recipient ON messages(recipient, id);
                CREATE TABLE inbound (
                    id TEXT PRIMARY KEY,
                    account_id TEXT,
                    connector TEXT NOT NULL,
                    sender TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    body TEXT NOT NULL,
                    received_at REAL NOT NULL,
                    in_reply_to TEXT
                );
                CREATE INDEX inbound_account ON inbound(account_id, id);
                """)
        }
        migrator.registerMigration("v3-suppressions") { db in
            try db.execute(sql: """
                CREATE TABLE suppressions (
                    account_id TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    sender TEXT NOT NULL,
                    source TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (account_id, channel, recipient, sender)
                ) WITHOUT ROWID;
                CREATE INDEX suppressions_recent ON suppressions(account_id, created_at);
                """)
        }
        migrator.registerMigration("v4-accounts") { db in
            try db.execute(sql: """
                ALTER TABLE accounts ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
                ALTER TABLE accounts ADD COLUMN balance_micros INTEGER;
                ALTER TABLE messages ADD COLUMN reserved_micros INTEGER;
                ALTER TABLE messages ADD COLUMN charged_micros INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE events ADD COLUMN round INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE correlations ADD COLUMN round INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE templates (
                    account_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    channel TEXT,
                    subject TEXT,
                    body TEXT NOT NULL,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (account_id, name)
                ) WITHOUT ROWID;
                CREATE TABLE dnd (
                    account_id TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (account_id, recipient)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v5-webhooks") { db in
            try db.execute(sql: """
                ALTER TABLE accounts ADD COLUMN callback_secret TEXT;
                CREATE TABLE webhooks (
                    id TEXT PRIMARY KEY,
                    account_id TEXT NOT NULL,
                    url TEXT NOT NULL,
                    events TEXT NOT NULL,
                    secret TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    vocabulary TEXT NOT NULL DEFAULT 'canonical'
                );
                CREATE INDEX webhooks_account ON webhooks(account_id);
                CREATE TABLE webhook_deliveries (
                    id TEXT PRIMARY KEY,
                    account_id TEXT NOT NULL,
                    webhook_id TEXT,
                    target TEXT NOT NULL,
                    url TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    payload TEXT NOT NULL,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL NOT NULL,
                    lease_until REAL,
                    created_at REAL NOT NULL,
                    delivered_at REAL,
                    last_status INTEGER,
                    last_latency_ms INTEGER,
                    last_error TEXT,
                    UNIQUE (target, event_id)
                );
                CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE state = 'pending';
                CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, id);
                CREATE TABLE webhook_attempts (
                    delivery_id TEXT NOT NULL,
                    at REAL NOT NULL,
                    status INTEGER,
                    latency_ms INTEGER NOT NULL,
                    error TEXT
                );
                CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, at);
                CREATE TABLE feed_cursors (name TEXT PRIMARY KEY, tx INTEGER NOT NULL, seq INTEGER NOT NULL);
                """)
        }
        migrator.registerMigration("v6-provider-detail") { db in
            try db.execute(sql: """
                ALTER TABLE messages ADD COLUMN provider_status TEXT;
                ALTER TABLE messages ADD COLUMN provider_error TEXT;
                """)
        }
        migrator.registerMigration("v7-campaigns") { db in
            try db.execute(sql: """
                CREATE TABLE campaigns (
                    id TEXT PRIMARY KEY,
                    account_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    template TEXT NOT NULL,
                    channel TEXT,
                    sender TEXT,
                    category TEXT NOT NULL,
                    tag TEXT,
                    send_at REAL,
                    validity_minutes INTEGER,
                    callback_url TEXT,
                    state TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    invalid_rows INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX campaigns_account ON campaigns(account_id, id);
                ALTER TABLE messages ADD COLUMN campaign_id TEXT;
                CREATE INDEX messages_campaign ON messages(campaign_id, id) WHERE campaign_id IS NOT NULL;
                CREATE INDEX messages_campaign_status ON messages(campaign_id, status, id) WHERE campaign_id IS NOT NULL;
                ALTER TABLE queue ADD COLUMN paused_from REAL;
                """)
        }
        migrator.registerMigration("v8-campaign-counts") { db in
            // Campaign counts read only this index (no table rows): 7x faster at 1,000,000 messages.
            try db.execute(sql: """
                CREATE INDEX messages_campaign_counts ON messages(campaign_id, status, reason, final, accepted_parts, price_micros)
                    WHERE campaign_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("v9-recipient-index") { db in
            // (recipient, id) serves every recipient lookup (the duplicate gate, the log's `to` filter, inbound
            // matching; the account is checked on the row): one random-order index less to update per message.
            try db.execute(sql: "DROP INDEX messages_account_recipient")
        }
        migrator.registerMigration("v10-correlation-history") { db in
            // SMSCs restart and reuse ids: every submission with an id is kept (the receipt matcher picks the one a
            // receipt answers), with when it was correlated. Parked receipts keep the numbers they name and their
            // submit date, so a correlation written later is checked the same way.
            try db.execute(sql: """
                CREATE TABLE correlations_v10 (
                    seq INTEGER PRIMARY KEY,
                    connector TEXT NOT NULL,
                    provider_id TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    part INTEGER NOT NULL,
                    round INTEGER NOT NULL DEFAULT 0,
                    correlated_at REAL,
                    UNIQUE (connector, provider_id, message_id, part, round)
                );
                INSERT INTO correlations_v10 (connector, provider_id, message_id, part, round)
                    SELECT connector, provider_id, message_id, part, round FROM correlations;
                DROP TABLE correlations;
                ALTER TABLE correlations_v10 RENAME TO correlations;
                CREATE INDEX correlations_provider ON correlations(connector, provider_id, seq);
                ALTER TABLE receipts ADD COLUMN addresses TEXT;
                ALTER TABLE receipts ADD COLUMN submitted_at REAL;
                ALTER TABLE receipts ADD COLUMN parked_reason TEXT;
                ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'account';
                """)
        }
        migrator.registerMigration("v11-webhook-batches") { db in
            // Opt-in batched webhooks: up to batch_max_events events per POST, held at most batch_max_latency_ms.
            try db.execute(sql: """
                ALTER TABLE webhooks ADD COLUMN batch_max_events INTEGER;
                ALTER TABLE webhooks ADD COLUMN batch_max_latency_ms INTEGER;
                """)
        }
        migrator.registerMigration("v12-email-content") { db in
            // E-mail: the HTML body and the Reply-To address.
            try db.execute(sql: """
                ALTER TABLE messages ADD COLUMN html TEXT;
                ALTER TABLE messages ADD COLUMN reply_to TEXT;
                """)
        }
        migrator.registerMigration("v13-email-options") { db in
            // E-mail: custom headers, attachments and tracking, as one JSON value (MessageOptions).
            try db.execute(sql: "ALTER TABLE messages ADD COLUMN email_options TEXT")
        }
        migrator.registerMigration("v14-template-html") { db in
            // E-mail templates: the HTML body.
            try db.execute(sql: "ALTER TABLE templates ADD COLUMN html TEXT")
        }
        migrator.registerMigration("v15-provider-webhooks") { db in
            // HTTP providers' webhooks as they arrived (evidence kept before they are acknowledged).
            try db.execute(sql: """
                CREATE TABLE provider_webhooks (
                    id TEXT PRIMARY KEY,
                    connector TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    received_at REAL NOT NULL,
                    method TEXT NOT NULL,
                    query TEXT,
                    content_type TEXT,
                    body BLOB NOT NULL
                );
                CREATE INDEX provider_webhooks_connector ON provider_webhooks(connector, id);
                """)
        }
        migrator.registerMigration("v16-inbound-provider-id") { db in
            // A provider that sends an inbound message again is recognised by its id: stored and linked once.
            try db.execute(sql: """
                ALTER TABLE inbound ADD COLUMN provider_id TEXT;
                CREATE UNIQUE INDEX inbound_provider ON inbound(connector, provider_id) WHERE provider_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("v17-provider-prices") { db in
            // What providers report a message cost, per provider message, next to Herald's own price.
            try db.execute(sql: """
                CREATE TABLE provider_prices (
                    message_id TEXT NOT NULL,
                    connector TEXT NOT NULL,
                    provider_id TEXT NOT NULL,
                    amount TEXT,
                    currency TEXT,
                    category TEXT,
                    reported_at REAL NOT NULL,
                    PRIMARY KEY (message_id, connector, provider_id)
                );
                ALTER TABLE receipts ADD COLUMN price_amount TEXT;
                ALTER TABLE receipts ADD COLUMN price_currency TEXT;
                ALTER TABLE receipts ADD COLUMN price_category TEXT;
                """)
        }
        migrator.registerMigration("v18-key-management") { db in
            // Keys get an id to list and revoke them by, scopes, a label and a rate limit; accounts can be closed.
            try db.execute(sql: """
                ALTER TABLE api_keys ADD COLUMN id TEXT;
                ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'send,read,admin';
                ALTER TABLE api_keys ADD COLUMN name TEXT;
                ALTER TABLE api_keys ADD COLUMN rate_limit INTEGER;
                ALTER TABLE api_keys ADD COLUMN revoked_at REAL;
                UPDATE api_keys SET id = 'key_' || upper(substr(hash, 1, 26));
                CREATE UNIQUE INDEX api_keys_id ON api_keys(id);
                CREATE INDEX api_keys_account ON api_keys(account_id);
                ALTER TABLE accounts ADD COLUMN disabled_at REAL;
                """)
        }
        migrator.registerMigration("v19-webhook-secret-rotation") { db in
            // After a rotation the old secret signs beside the new one for a grace period.
            try db.execute(sql: """
                ALTER TABLE webhooks ADD COLUMN previous_secret TEXT;
                ALTER TABLE webhooks ADD COLUMN previous_secret_until REAL;
                """)
        }
        migrator.registerMigration("v20-delivery-stats") { db in
            // Delivery analytics: counters added to as messages become final (DeliveryStats), read by the hour.
            try db.execute(sql: """
                CREATE TABLE delivery_stats (
                    account_id TEXT NOT NULL, hour INTEGER NOT NULL, connector TEXT NOT NULL, country TEXT NOT NULL, prefix TEXT NOT NULL,
                    status TEXT NOT NULL, reason TEXT NOT NULL, count INTEGER NOT NULL,
                    b0 BIGINT NOT NULL DEFAULT 0, b1 BIGINT NOT NULL DEFAULT 0, b2 BIGINT NOT NULL DEFAULT 0, b3 BIGINT NOT NULL DEFAULT 0, b4 BIGINT NOT NULL DEFAULT 0, b5 BIGINT NOT NULL DEFAULT 0, b6 BIGINT NOT NULL DEFAULT 0, b7 BIGINT NOT NULL DEFAULT 0, b8 BIGINT NOT NULL DEFAULT 0, b9 BIGINT NOT NULL DEFAULT 0, b10 BIGINT NOT NULL DEFAULT 0, b11 BIGINT NOT NULL DEFAULT 0, b12 BIGINT NOT NULL DEFAULT 0, b13 BIGINT NOT NULL DEFAULT 0,
                    PRIMARY KEY (account_id, hour, connector, country, prefix, status, reason)
                ) WITHOUT ROWID;
                CREATE INDEX delivery_stats_hour ON delivery_stats(hour);
                """)
        }
        migrator.registerMigration("v21-reason-index") { db in
            // The log filtered by reason (dashboard, GET /v1/messages?reason=) without a scan; only rows with a reason are in it.
            try db.execute(sql: "CREATE INDEX messages_account_reason ON messages(account_id, reason, id) WHERE reason IS NOT NULL")
        }
        migrator.registerMigration("v22-retention") { db in
            // How far each account's retention sweep has redacted, per table (the last id done).
            try db.execute(sql: """
                CREATE TABLE retention_marks (account_id TEXT NOT NULL, kind TEXT NOT NULL, through TEXT NOT NULL, PRIMARY KEY (account_id, kind))
                """)
        }
        migrator.registerMigration("v23-campaign-progress") { db in
            // A campaign's finals by minute and status (CampaignProgress), counted as they happen; filled once from the
            // messages already final.
            try db.execute(sql: """
                CREATE TABLE campaign_progress (
                    campaign_id TEXT NOT NULL, minute INTEGER NOT NULL, status TEXT NOT NULL, count INTEGER NOT NULL,
                    PRIMARY KEY (campaign_id, minute, status)
                ) WITHOUT ROWID;
                INSERT INTO campaign_progress (campaign_id, minute, status, count)
                SELECT campaign_id, CAST(updated_at / 60 AS INTEGER), status, COUNT(*) FROM messages
                WHERE campaign_id IS NOT NULL AND final = 1 GROUP BY 1, 2, 3;
                """)
        }
        migrator.registerMigration("v24-engagement-counts") { db in
            // Every open and click counted per message (EngagementCount); filled once from the events (the first of each).
            try db.execute(sql: """
                CREATE TABLE engagement_counts (
                    message_id TEXT NOT NULL, kind TEXT NOT NULL, count INTEGER NOT NULL, first_at REAL NOT NULL, last_at REAL NOT NULL,
                    PRIMARY KEY (message_id, kind)
                ) WITHOUT ROWID;
                INSERT INTO engagement_counts (message_id, kind, count, first_at, last_at)
                SELECT message_id, kind, COUNT(*), MIN(occurred_at), MAX(occurred_at) FROM events WHERE kind IN ('OPENED', 'CLICKED') GROUP BY 1, 2;
                """)
        }
        return migrator
    }
}
