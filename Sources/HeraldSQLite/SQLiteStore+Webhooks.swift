import Foundation
import GRDB
import HeraldCore
import HeraldStore

extension SQLiteStore {
    static func webhook(_ row: Row) -> Webhook {
        let events: String = row[3]
        let maxEvents: Int? = row[7], maxLatency: Int? = row[8]
        return Webhook(id: row[0], accountID: row[1], url: row[2], events: Set(events.split(separator: ",").map(String.init)), secret: row[4],
                       createdAt: Date(timeIntervalSince1970: row[5]), vocabulary: Vocabulary(rawValue: row[6]) ?? .canonical,
                       batch: maxEvents.map { Webhook.Batch(maxEvents: $0, maxLatencyMs: maxLatency ?? 1_000) },
                       previousSecret: row[9], previousSecretUntil: (row[10] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    static let webhookColumns = "id, account_id, url, events, secret, created_at, vocabulary, batch_max_events, batch_max_latency_ms, previous_secret, previous_secret_until"

    public func createWebhook(_ webhook: Webhook) async throws {
        try await writer.write { db in
            try db.execute(sql: "INSERT INTO webhooks (\(Self.webhookColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", arguments: [
                webhook.id, webhook.accountID, webhook.url, webhook.events.sorted().joined(separator: ","), webhook.secret,
                webhook.createdAt.timeIntervalSince1970, webhook.vocabulary.rawValue, webhook.batch?.maxEvents, webhook.batch?.maxLatencyMs,
                webhook.previousSecret, webhook.previousSecretUntil?.timeIntervalSince1970,
            ])
        }
    }

    public func webhooks(accountID: String) async throws -> [Webhook] {
        try await webhooks(accountIDs: [accountID])
    }

    public func webhooks(accountIDs: [String]) async throws -> [Webhook] {
        guard !accountIDs.isEmpty else { return [] }
        return try await pool.read { db in
            let marks = Array(repeating: "?", count: accountIDs.count).joined(separator: ",")
            return try Row.fetchAll(db, sql: "SELECT \(Self.webhookColumns) FROM webhooks WHERE account_id IN (\(marks)) ORDER BY created_at, id",
                                    arguments: StatementArguments(accountIDs)).map(Self.webhook)
        }
    }

    public func deleteWebhook(id: String, accountID: String) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM webhooks WHERE id = ? AND account_id = ?", arguments: [id, accountID])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "DELETE FROM webhook_deliveries WHERE webhook_id = ? AND state = 'pending'", arguments: [id])
            return true
        }
    }

    public func rotateWebhookSecret(id: String, accountID: String, secret: String, previousUntil: Date) async throws -> Webhook? {
        try await writer.write { db in
            try db.execute(sql: """
                UPDATE webhooks SET previous_secret = secret, previous_secret_until = ?, secret = ? WHERE id = ? AND account_id = ?
                """, arguments: [previousUntil.timeIntervalSince1970, secret, id, accountID])
            return try Row.fetchOne(db, sql: "SELECT \(Self.webhookColumns) FROM webhooks WHERE id = ?", arguments: [id]).map(Self.webhook)
                .flatMap { $0.accountID == accountID ? $0 : nil }
        }
    }

    public func callbackSecret(accountID: String) async throws -> String {
        // Read first: GET /v1/account asks every time, and a write would queue behind the single writer.
        if let secret = try await pool.read({ db in
            try String.fetchOne(db, sql: "SELECT callback_secret FROM accounts WHERE id = ?", arguments: [accountID])
        }) { return secret }
        return try await writer.write { db in
            if let secret = try String.fetchOne(db, sql: "SELECT callback_secret FROM accounts WHERE id = ?", arguments: [accountID]) { return secret }
            let secret = WebhookSecret.make()
            try db.execute(sql: "UPDATE accounts SET callback_secret = ? WHERE id = ? AND callback_secret IS NULL", arguments: [secret, accountID])
            return try String.fetchOne(db, sql: "SELECT callback_secret FROM accounts WHERE id = ?", arguments: [accountID]) ?? secret
        }
    }

    public func routedFeed(after cursor: FeedCursor, limit: Int) async throws -> RoutedPage {
        try await pool.read { db in
            let events = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT \(EventColumns.qualified), e.seq, e.account_id, m.callback_url, m.recipient, m.tag, m.campaign_id, m.final
                FROM events e JOIN messages m ON m.id = e.message_id
                WHERE e.seq > ? ORDER BY e.seq LIMIT ?
                """), arguments: [cursor.seq, limit]).map { row in
                RoutedEvent(feed: FeedEvent(cursor: FeedCursor(tx: 0, seq: row[EventColumns.count]), event: try Self.event(row)),
                            accountID: row[EventColumns.count + 1], callbackURL: row[EventColumns.count + 2],
                            to: row[EventColumns.count + 3], tag: row[EventColumns.count + 4], campaignID: row[EventColumns.count + 5],
                            messageIsFinal: row[EventColumns.count + 6])
            }
            return RoutedPage(events: events, end: events.last?.feed.cursor)
        }
    }

    public func feedCursor(name: String) async throws -> FeedCursor? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT tx, seq FROM feed_cursors WHERE name = ?", arguments: [name]).map { FeedCursor(tx: $0[0], seq: $0[1]) }
        }
    }

    public func enqueueDeliveries(_ deliveries: [WebhookDelivery], cursorName: String, cursor: FeedCursor?) async throws {
        try await writer.write { db in
            try Self.insertDeliveries(deliveries, db: db)
            if let cursor {
                try db.cachedStatement(sql: """
                    INSERT INTO feed_cursors (name, tx, seq) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET tx = excluded.tx, seq = excluded.seq
                    """).execute(arguments: [cursorName, cursor.tx, cursor.seq])
            } else {
                try db.execute(sql: "DELETE FROM feed_cursors WHERE name = ?", arguments: [cursorName])
            }
        }
    }

    static let deliveryInsert = MultiRowInsert("""
        INSERT OR IGNORE INTO webhook_deliveries (id, account_id, webhook_id, target, url, event_id, message_id, sequence, payload, state,
            attempts, next_attempt_at, created_at, lease_until) VALUES
        """, columns: 12, rowsPerStatement: 32, row: "(?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)")

    /// Stores new deliveries, many rows per statement (one stored for the same endpoint and event is kept).
    static func insertDeliveries(_ deliveries: [WebhookDelivery], db: Database) throws {
        try deliveryInsert.run(deliveries, db: db) { statement, delivery in
            statement.bind(delivery.id)
            statement.bind(delivery.accountID)
            statement.bind(delivery.webhookID)
            statement.bind(delivery.target)
            statement.bind(delivery.url)
            statement.bind(delivery.eventID)
            statement.bind(delivery.messageID)
            statement.bind(delivery.sequence)
            statement.bind(delivery.payload)
            statement.bind(delivery.nextAttemptAt.timeIntervalSince1970)
            statement.bind(delivery.createdAt.timeIntervalSince1970)
            statement.bind(delivery.leaseUntil?.timeIntervalSince1970)
        }
    }

    static let deliveryColumns = """
        id, account_id, webhook_id, url, event_id, message_id, sequence, payload, state, attempts, next_attempt_at, created_at, delivered_at, \
        last_status, last_latency_ms, last_error
        """

    static func delivery(_ row: Row) -> WebhookDelivery {
        WebhookDelivery(
            id: row[0], accountID: row[1], webhookID: row[2], url: row[3], eventID: row[4], messageID: row[5], sequence: row[6], payload: row[7],
            state: WebhookDelivery.State(rawValue: row[8]) ?? .pending, attempts: row[9], nextAttemptAt: Date(timeIntervalSince1970: row[10]),
            createdAt: Date(timeIntervalSince1970: row[11]), deliveredAt: (row[12] as Double?).map(Date.init(timeIntervalSince1970:)),
            lastStatusCode: row[13], lastLatencyMs: row[14], lastError: row[15]
        )
    }

    public func claimDeliveries(limit: Int, now: Date, leaseUntil: Date) async throws -> [WebhookDelivery] {
        try await writer.write { db in
            // Read through the C API (RawStatement): one claim per few dozen callbacks, thousands of callbacks a second.
            var claim = try RawStatement(db.cachedStatement(sql: """
                UPDATE webhook_deliveries SET lease_until = ?
                WHERE id IN (SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)
                             ORDER BY next_attempt_at LIMIT ?)
                RETURNING \(Self.deliveryColumns)
                """), db: db)
            claim.bind(leaseUntil.timeIntervalSince1970)
            claim.bind(now.timeIntervalSince1970)
            claim.bind(now.timeIntervalSince1970)
            claim.bind(limit)
            return try claim.rows { row in
                WebhookDelivery(
                    id: row.string(0), accountID: row.string(1), webhookID: row.optionalString(2), url: row.string(3), eventID: row.string(4),
                    messageID: row.string(5), sequence: row.int64(6), payload: row.string(7),
                    state: WebhookDelivery.State(rawValue: row.string(8)) ?? .pending, attempts: row.int(9),
                    nextAttemptAt: Date(timeIntervalSince1970: row.double(10)), createdAt: Date(timeIntervalSince1970: row.double(11)),
                    deliveredAt: row.optionalDouble(12).map(Date.init(timeIntervalSince1970:)),
                    lastStatusCode: row.optionalInt(13), lastLatencyMs: row.optionalInt(14), lastError: row.optionalString(15)
                )
            }
        }
    }

    public func postponeDeliveries(ids: [String], until: Date) async throws {
        guard !ids.isEmpty else { return }
        try await writer.write { db in
            let statement = try db.cachedStatement(sql: "UPDATE webhook_deliveries SET next_attempt_at = ?, lease_until = NULL WHERE id = ? AND state = 'pending'")
            for id in ids { try statement.execute(arguments: [until.timeIntervalSince1970, id]) }
        }
    }

    public func recordDeliveryAttempts(_ attempts: [DeliveryAttempt]) async throws {
        try await writer.write { db in
            // Bound through the C API (RawStatement): two writes per callback, thousands of callbacks a second.
            var log = try RawStatement(db.cachedStatement(sql: "INSERT INTO webhook_attempts (delivery_id, at, status, latency_ms, error) VALUES (?, ?, ?, ?, ?)"), db: db)
            var update = try RawStatement(db.cachedStatement(sql: """
                UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1, next_attempt_at = COALESCE(?, next_attempt_at), lease_until = NULL,
                    delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END, last_status = ?, last_latency_ms = ?, last_error = ?
                WHERE id = ?
                """), db: db)
            for attempt in attempts {
                let at = attempt.at.timeIntervalSince1970
                log.bind(attempt.deliveryID)
                log.bind(at)
                log.bind(attempt.statusCode)
                log.bind(attempt.latencyMs)
                log.bind(attempt.error)
                try log.run()
                update.bind(attempt.state.rawValue)
                update.bind(attempt.nextAttemptAt?.timeIntervalSince1970)
                update.bind(attempt.state.rawValue)
                update.bind(at)
                update.bind(attempt.statusCode)
                update.bind(attempt.latencyMs)
                update.bind(attempt.error)
                update.bind(attempt.deliveryID)
                try update.run()
            }
        }
    }

    public func deliveries(webhookID: String, accountID: String, limit: Int) async throws -> [(WebhookDelivery, [DeliveryAttempt])]? {
        try await pool.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM webhooks WHERE id = ? AND account_id = ?)", arguments: [webhookID, accountID]) == true
            else { return nil }
            let found = try Row.fetchAll(db, sql: "SELECT \(Self.deliveryColumns) FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?",
                                         arguments: [webhookID, limit]).map(Self.delivery)
            return try Self.withAttempts(found, db: db)
        }
    }

    public func deliveries(accountID: String, targets: [String], eventIDs: [String]) async throws -> [(WebhookDelivery, [DeliveryAttempt])] {
        guard !targets.isEmpty, !eventIDs.isEmpty else { return [] }
        let sql = """
            SELECT \(Self.deliveryColumns) FROM webhook_deliveries
            WHERE target IN (\(Self.placeholders(targets.count))) AND event_id IN (\(Self.placeholders(eventIDs.count))) AND account_id = ?
            ORDER BY created_at, id
            """
        return try await pool.read { db in
            try Self.withAttempts(Row.fetchAll(db, sql: sql, arguments: StatementArguments(targets + eventIDs + [accountID])).map(Self.delivery), db: db)
        }
    }

    /// The deliveries with their attempts, oldest attempt first.
    static func withAttempts(_ deliveries: [WebhookDelivery], db: Database) throws -> [(WebhookDelivery, [DeliveryAttempt])] {
        try deliveries.map { delivery in
            let attempts = try Row.fetchAll(db.cachedStatement(sql: "SELECT at, status, latency_ms, error FROM webhook_attempts WHERE delivery_id = ? ORDER BY at"),
                                            arguments: [delivery.id]).map { row in
                DeliveryAttempt(deliveryID: delivery.id, at: Date(timeIntervalSince1970: row[0]), statusCode: row[1], latencyMs: row[2], error: row[3],
                                state: delivery.state, nextAttemptAt: nil)
            }
            return (delivery, attempts)
        }
    }

    public func resendDelivery(id: String, accountID: String, now: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?, lease_until = NULL WHERE id = ? AND account_id = ?",
                           arguments: [now.timeIntervalSince1970, id, accountID])
            return db.changesCount > 0
        }
    }
}
