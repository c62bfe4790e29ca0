import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

extension PostgresStore {
    private func decodeWebhooks(_ rows: Rows) async throws -> [Webhook] {
        var found: [Webhook] = []
        for try await (id, account, url, events, secret, created, vocabulary, maxEvents, maxLatency, previous, previousUntil)
            in rows.decode((String, String, String, String, String, Date, String, Int?, Int?, String?, Date?).self) {
            found.append(Webhook(id: id, accountID: account, url: url, events: Set(events.split(separator: ",").map(String.init)), secret: secret,
                                 createdAt: created, vocabulary: Vocabulary(rawValue: vocabulary) ?? .canonical,
                                 batch: maxEvents.map { Webhook.Batch(maxEvents: $0, maxLatencyMs: maxLatency ?? 1_000) },
                                 previousSecret: previous, previousSecretUntil: previousUntil))
        }
        return found
    }

    public func createWebhook(_ webhook: Webhook) async throws {
        try await self.query("""
            INSERT INTO webhooks (id, account_id, url, events, secret, created_at, vocabulary, batch_max_events, batch_max_latency_ms)
            VALUES (\(webhook.id), \(webhook.accountID), \(webhook.url), \(webhook.events.sorted().joined(separator: ",")), \(webhook.secret),
                    \(webhook.createdAt), \(webhook.vocabulary.rawValue), \(webhook.batch?.maxEvents), \(webhook.batch?.maxLatencyMs))
            """, logger: logger)
    }

    public func webhooks(accountID: String) async throws -> [Webhook] {
        try await webhooks(accountIDs: [accountID])
    }

    public func webhooks(accountIDs: [String]) async throws -> [Webhook] {
        guard !accountIDs.isEmpty else { return [] }
        return try await decodeWebhooks(self.query(Self.webhooksQuery(accountIDs), logger: logger))
    }

    /// The same read inside a transaction.
    func webhooks(accountIDs: [String], connection: LiveConnection) async throws -> [Webhook] {
        guard !accountIDs.isEmpty else { return [] }
        return try await decodeWebhooks(connection.query(Self.webhooksQuery(accountIDs), logger: logger))
    }

    private static func webhooksQuery(_ accountIDs: [String]) -> PostgresQuery {
        """
        SELECT \(unescaped: webhookColumns) FROM webhooks WHERE account_id = ANY(\(accountIDs)) ORDER BY created_at, id
        """
    }

    static let webhookColumns = "id, account_id, url, events, secret, created_at, vocabulary, batch_max_events, batch_max_latency_ms, previous_secret, previous_secret_until"

    public func rotateWebhookSecret(id: String, accountID: String, secret: String, previousUntil: Date) async throws -> Webhook? {
        try await decodeWebhooks(self.query("""
            UPDATE webhooks SET previous_secret = secret, previous_secret_until = \(previousUntil), secret = \(secret)
            WHERE id = \(id) AND account_id = \(accountID) RETURNING \(unescaped: Self.webhookColumns)
            """, logger: logger)).first
    }

    public func deleteWebhook(id: String, accountID: String) async throws -> Bool {
        try await transaction { connection in
            var deleted = false
            for try await _ in try await connection.query("DELETE FROM webhooks WHERE id = \(id) AND account_id = \(accountID) RETURNING id", logger: self.logger) {
                deleted = true
            }
            if deleted {
                try await connection.query("DELETE FROM webhook_deliveries WHERE webhook_id = \(id) AND state = 'pending'", logger: self.logger)
            }
            return deleted
        }
    }

    public func callbackSecret(accountID: String) async throws -> String {
        // Read first: GET /v1/account asks every time; the update (and its row lock) is needed once.
        for try await secret in try await self.query("SELECT callback_secret FROM accounts WHERE id = \(accountID)", logger: logger).decode(String?.self) {
            if let secret { return secret }
        }
        let candidate = WebhookSecret.make()
        let rows = try await self.query("""
            UPDATE accounts SET callback_secret = COALESCE(callback_secret, \(candidate)) WHERE id = \(accountID) RETURNING callback_secret
            """, logger: logger)
        for try await secret in rows.decode(String.self) { return secret }
        return candidate
    }

    /// Every account's events in feed order, below the snapshot horizon (see ``feed(accountID:after:limit:)``).
    public func routedFeed(after cursor: FeedCursor, limit: Int) async throws -> RoutedPage {
        let rows = try await self.query("""
            SELECT \(unescaped: EventColumns.qualified), e.tx::text::int8, e.seq, e.account_id, m.callback_url, m.recipient, m.tag, m.campaign_id, m.final
            FROM events e JOIN messages m ON m.id = e.message_id
            WHERE (e.tx, e.seq) > (\(String(cursor.tx))::xid8, \(cursor.seq)) AND e.tx < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY e.tx, e.seq LIMIT \(limit)
            """, logger: logger)
        var events: [RoutedEvent] = []
        for try await row in rows {
            let c = row.makeRandomAccess()
            let n = EventColumns.count
            events.append(RoutedEvent(
                feed: FeedEvent(cursor: FeedCursor(tx: try c[n].decode(Int64.self), seq: try c[n + 1].decode(Int64.self)), event: try Self.event(row)),
                accountID: try c[n + 2].decode(String.self), callbackURL: try c[n + 3].decode(String?.self),
                to: try c[n + 4].decode(String.self), tag: try c[n + 5].decode(String?.self), campaignID: try c[n + 6].decode(String?.self),
                messageIsFinal: try c[n + 7].decode(Bool.self)
            ))
        }
        return RoutedPage(events: events, end: events.last?.feed.cursor)
    }

    public func feedCursor(name: String) async throws -> FeedCursor? {
        let rows = try await self.query("SELECT tx, seq FROM feed_cursors WHERE name = \(name)", logger: logger)
        for try await (tx, seq) in rows.decode((Int64, Int64).self) { return FeedCursor(tx: tx, seq: seq) }
        return nil
    }

    public func enqueueDeliveries(_ deliveries: [WebhookDelivery], cursorName: String, cursor: FeedCursor?) async throws {
        try await transaction { connection in
            try await self.insertDeliveries(deliveries, connection: connection)
            if let cursor {
                try await connection.query("""
                    INSERT INTO feed_cursors (name, tx, seq) VALUES (\(cursorName), \(cursor.tx), \(cursor.seq))
                    ON CONFLICT (name) DO UPDATE SET tx = excluded.tx, seq = excluded.seq
                    """, logger: self.logger)
            } else {
                try await connection.query("DELETE FROM feed_cursors WHERE name = \(cursorName)", logger: self.logger)
            }
        }
    }

    /// Stores new deliveries in one statement (one stored for the same endpoint and event is kept).
    func insertDeliveries(_ deliveries: [WebhookDelivery], connection: LiveConnection) async throws {
        guard !deliveries.isEmpty else { return }
        var c = (ids: [String](), accounts: [String](), hooks: [String](), targets: [String](), urls: [String](), events: [String](),
                 messages: [String](), sequences: [Int64](), payloads: [String](), next: [Date](), created: [Date](), leases: [Date]())
        for delivery in deliveries {
            c.ids.append(delivery.id)
            c.accounts.append(delivery.accountID)
            c.hooks.append(delivery.webhookID ?? "")
            c.targets.append(delivery.target)
            c.urls.append(delivery.url)
            c.events.append(delivery.eventID)
            c.messages.append(delivery.messageID)
            c.sequences.append(delivery.sequence)
            c.payloads.append(delivery.payload)
            c.next.append(delivery.nextAttemptAt)
            c.created.append(delivery.createdAt)
            c.leases.append(delivery.leaseUntil ?? Self.noDate)
        }
        try await connection.query("""
            INSERT INTO webhook_deliveries (id, account_id, webhook_id, target, url, event_id, message_id, sequence, payload, state, attempts,
                next_attempt_at, created_at, lease_until)
            SELECT u.id, u.account_id, NULLIF(u.hook, ''), u.target, u.url, u.event_id, u.message_id, u.sequence, u.payload, 'pending', 0,
                u.next, u.created, NULLIF(u.lease, '0001-01-01 00:00:00+00'::timestamptz)
            FROM unnest(\(c.ids)::text[], \(c.accounts)::text[], \(c.hooks)::text[], \(c.targets)::text[], \(c.urls)::text[],
                \(c.events)::text[], \(c.messages)::text[], \(c.sequences)::int8[], \(c.payloads)::text[], \(c.next)::timestamptz[],
                \(c.created)::timestamptz[], \(c.leases)::timestamptz[])
                AS u(id, account_id, hook, target, url, event_id, message_id, sequence, payload, next, created, lease)
            ON CONFLICT (target, event_id) DO NOTHING
            """, logger: logger)
    }

    static let deliveryColumns = """
        id, account_id, webhook_id, url, event_id, message_id, sequence, payload, state, attempts, next_attempt_at, created_at, delivered_at, \
        last_status, last_latency_ms, last_error
        """

    private func decodeDeliveries(_ rows: Rows) async throws -> [WebhookDelivery] {
        var found: [WebhookDelivery] = []
        for try await row in rows {
            let c = row.makeRandomAccess()
            found.append(WebhookDelivery(
                id: try c[0].decode(String.self), accountID: try c[1].decode(String.self), webhookID: try c[2].decode(String?.self),
                url: try c[3].decode(String.self), eventID: try c[4].decode(String.self), messageID: try c[5].decode(String.self),
                sequence: try c[6].decode(Int64.self), payload: try c[7].decode(String.self),
                state: WebhookDelivery.State(rawValue: try c[8].decode(String.self)) ?? .pending, attempts: try c[9].decode(Int.self),
                nextAttemptAt: try c[10].decode(Date.self), createdAt: try c[11].decode(Date.self), deliveredAt: try c[12].decode(Date?.self),
                lastStatusCode: try c[13].decode(Int?.self), lastLatencyMs: try c[14].decode(Int?.self), lastError: try c[15].decode(String?.self)
            ))
        }
        return found
    }

    public func claimDeliveries(limit: Int, now: Date, leaseUntil: Date) async throws -> [WebhookDelivery] {
        try await decodeDeliveries(self.query("""
            UPDATE webhook_deliveries SET lease_until = \(leaseUntil)
            WHERE id IN (SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= \(now)
                         AND (lease_until IS NULL OR lease_until < \(now)) ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: Self.deliveryColumns)
            """, logger: logger))
    }

    public func postponeDeliveries(ids: [String], until: Date) async throws {
        guard !ids.isEmpty else { return }
        try await self.query("""
            UPDATE webhook_deliveries SET next_attempt_at = \(until), lease_until = NULL WHERE id = ANY(\(ids)) AND state = 'pending'
            """, logger: logger)
    }

    public func recordDeliveryAttempts(_ attempts: [DeliveryAttempt]) async throws {
        guard !attempts.isEmpty else { return }
        var c = (ids: [String](), at: [Date](), statuses: [Int](), latencies: [Int](), errors: [String](), states: [String](), next: [Date]())
        for attempt in attempts {
            c.ids.append(attempt.deliveryID)
            c.at.append(attempt.at)
            c.statuses.append(attempt.statusCode ?? -1)
            c.latencies.append(attempt.latencyMs)
            c.errors.append(attempt.error ?? "")
            c.states.append(attempt.state.rawValue)
            c.next.append(attempt.nextAttemptAt ?? Self.noDate)
        }
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO webhook_attempts (delivery_id, at, status, latency_ms, error)
                SELECT u.id, u.at, NULLIF(u.status, -1), u.latency, NULLIF(u.error, '')
                FROM unnest(\(c.ids)::text[], \(c.at)::timestamptz[], \(c.statuses)::int8[], \(c.latencies)::int8[], \(c.errors)::text[])
                    AS u(id, at, status, latency, error)
                """, logger: self.logger)
            try await connection.query("""
                UPDATE webhook_deliveries AS d SET state = u.state, attempts = d.attempts + 1,
                    next_attempt_at = CASE WHEN u.next = '0001-01-01 00:00:00+00'::timestamptz THEN d.next_attempt_at ELSE u.next END,
                    lease_until = NULL, delivered_at = CASE WHEN u.state = 'delivered' THEN u.at ELSE d.delivered_at END,
                    last_status = NULLIF(u.status, -1), last_latency_ms = u.latency, last_error = NULLIF(u.error, '')
                FROM unnest(\(c.ids)::text[], \(c.at)::timestamptz[], \(c.statuses)::int8[], \(c.latencies)::int8[], \(c.errors)::text[],
                    \(c.states)::text[], \(c.next)::timestamptz[]) AS u(id, at, status, latency, error, state, next)
                WHERE d.id = u.id
                """, logger: self.logger)
        }
    }

    public func deliveries(webhookID: String, accountID: String, limit: Int) async throws -> [(WebhookDelivery, [DeliveryAttempt])]? {
        var owned = false
        for try await _ in try await self.query("SELECT 1 FROM webhooks WHERE id = \(webhookID) AND account_id = \(accountID)", logger: logger) {
            owned = true
        }
        guard owned else { return nil }
        return try await withAttempts(decodeDeliveries(query("""
            SELECT \(unescaped: Self.deliveryColumns) FROM webhook_deliveries WHERE webhook_id = \(webhookID) ORDER BY id DESC LIMIT \(limit)
            """, logger: logger)))
    }

    public func deliveries(accountID: String, targets: [String], eventIDs: [String]) async throws -> [(WebhookDelivery, [DeliveryAttempt])] {
        guard !targets.isEmpty, !eventIDs.isEmpty else { return [] }
        return try await withAttempts(decodeDeliveries(query("""
            SELECT \(unescaped: Self.deliveryColumns) FROM webhook_deliveries
            WHERE target = ANY(\(targets)) AND event_id = ANY(\(eventIDs)) AND account_id = \(accountID) ORDER BY created_at, id
            """, logger: logger)))
    }

    /// The deliveries with their attempts, oldest attempt first (one read for all of them).
    func withAttempts(_ found: [WebhookDelivery]) async throws -> [(WebhookDelivery, [DeliveryAttempt])] {
        guard !found.isEmpty else { return [] }
        var attempts: [String: [DeliveryAttempt]] = [:]
        let states = Dictionary(found.map { ($0.id, $0.state) }, uniquingKeysWith: { first, _ in first })
        let rows = try await self.query("""
            SELECT delivery_id, at, status, latency_ms, error FROM webhook_attempts WHERE delivery_id = ANY(\(found.map(\.id))) ORDER BY at
            """, logger: logger)
        for try await (id, at, status, latency, error) in rows.decode((String, Date, Int?, Int, String?).self) {
            attempts[id, default: []].append(DeliveryAttempt(deliveryID: id, at: at, statusCode: status, latencyMs: latency, error: error,
                                                             state: states[id] ?? .pending, nextAttemptAt: nil))
        }
        return found.map { ($0, attempts[$0.id] ?? []) }
    }

    public func resendDelivery(id: String, accountID: String, now: Date) async throws -> Bool {
        let rows = try await self.query("""
            UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = \(now), lease_until = NULL WHERE id = \(id) AND account_id = \(accountID)
            RETURNING id
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }
}
