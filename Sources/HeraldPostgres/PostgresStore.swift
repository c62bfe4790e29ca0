import Foundation
import HeraldCore
import HeraldStore
import Logging
import PostgresNIO
import ServiceLifecycle

/// The backend for many nodes: PostgreSQL through postgres-nio's connection pool.
///
/// Claims use `FOR UPDATE SKIP LOCKED`, so several processes can dispatch from one queue; every
/// method is one transaction.
public final class PostgresStore: HeraldStore {
    let client: PostgresClient
    let logger: Logger
    /// Schema the tables live in (`?schema=NAME` in the URL); `nil` for the default search path.
    let schema: String?

    /// `postgres://user:password@host:port/database`.
    public init(url: String, logger: Logger) throws {
        guard let components = URLComponents(string: url), let host = components.host else { throw StoreError.unsupportedURL(url) }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres", password: components.password,
            database: database.isEmpty ? nil : database, tls: .disable
        )
        configuration.options.maximumConnections = 16
        let schema = components.queryItems?.first { $0.name == "schema" }?.value
        if let schema {
            guard schema.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !schema.isEmpty else { throw StoreError.unsupportedURL(url) }
            configuration.options.additionalStartupParameters = [("search_path", schema)]
        }
        self.schema = schema
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
    }

    public func run() async throws {
        await client.run()
    }

    public func close() async throws {}

    public func migrate() async throws {
        try await client.withConnection { connection in
            // One migrator at a time across processes.
            try await connection.query("SELECT pg_advisory_lock(7211)", logger: self.logger)
            do {
                if let schema = self.schema {
                    try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: self.logger)
                }
                try await connection.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)", logger: self.logger)
                var applied = Set<Int>()
                for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: self.logger).decode(Int.self) {
                    applied.insert(version)
                }
                for migration in PostgresSchema.migrations where !applied.contains(migration.version) {
                    try await connection.withTransaction(logger: self.logger) { transaction in
                        for statement in migration.statements {
                            try await transaction.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                        }
                        try await transaction.query("INSERT INTO schema_migrations (version, applied_at) VALUES (\(migration.version), \(Date()))", logger: self.logger)
                    }
                }
                try await connection.query("SELECT pg_advisory_unlock(7211)", logger: self.logger)
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(7211)", logger: self.logger)
                throw error
            }
        }
    }

    // MARK: Accounts

    public func ensureAccount(named name: String) async throws -> Account {
        let candidate = Account(id: HeraldID.make(.account), name: name, createdAt: Date())
        try await client.query("""
            INSERT INTO accounts (id, name, created_at) VALUES (\(candidate.id), \(name), \(candidate.createdAt)) ON CONFLICT (name) DO NOTHING
            """, logger: logger)
        let rows = try await client.query("SELECT id, name, created_at FROM accounts WHERE name = \(name)", logger: logger)
        for try await (id, name, created) in rows.decode((String, String, Date).self) {
            return Account(id: id, name: name, createdAt: created)
        }
        throw StoreError.corruptRow("account \(name) vanished")
    }

    public func addAPIKey(hash: String, prefix: String, accountID: String) async throws {
        try await client.query("INSERT INTO api_keys (hash, prefix, account_id, created_at) VALUES (\(hash), \(prefix), \(accountID), \(Date()))", logger: logger)
    }

    public func account(forKeyHash hash: String) async throws -> Account? {
        let rows = try await client.query("""
            SELECT a.id, a.name, a.created_at FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.hash = \(hash)
            """, logger: logger)
        for try await (id, name, created) in rows.decode((String, String, Date).self) {
            return Account(id: id, name: name, createdAt: created)
        }
        return nil
    }

    // MARK: Messages

    public func accept(_ messages: [NewMessage]) async throws -> [AcceptOutcome] {
        try await client.withTransaction(logger: logger) { connection in
            var outcomes: [AcceptOutcome] = []
            for message in messages {
                if let key = message.idempotencyKey {
                    let rows = try await connection.query("SELECT id FROM messages WHERE account_id = \(message.accountID) AND idempotency_key = \(key)", logger: self.logger)
                    var existing: String?
                    for try await id in rows.decode(String.self) { existing = id }
                    if let existing {
                        outcomes.append(.replayed(id: existing))
                        continue
                    }
                }
                try await self.insert(message, connection: connection)
                outcomes.append(.created(id: message.id))
            }
            return outcomes
        }
    }

    private func insert(_ message: NewMessage, connection: PostgresConnection) async throws {
        let draft = message.draft
        let initial = message.initialEvent
        var parts = Array(repeating: PartState.initial, count: max(1, draft.segments))
        let aggregate = MessageLedger.apply([initial], to: &parts)
        try await connection.query("""
            INSERT INTO messages (id, account_id, channel, recipient, sender, subject, body, tag, status, reason, segments, encoding,
                characters, price_micros, created_at, updated_at, send_at, expires_at, final, callback_url, idempotency_key, parts)
            VALUES (\(message.id), \(message.accountID), \(draft.channel.rawValue), \(draft.to), \(draft.from), \(draft.subject),
                \(draft.text), \(draft.tag), \(aggregate.status.rawValue), \(aggregate.reason?.rawValue), \(parts.count), \(draft.encoding),
                \(draft.characters), \(message.priceMicros), \(message.createdAt), \(message.createdAt), \(draft.sendAt),
                \(message.expiresAt), \(aggregate.status.isFinal), \(draft.callbackURL), \(message.idempotencyKey), \(PartStateCoding.encode(parts)))
            """, logger: logger)
        try await insertEvent(initial, accountID: message.accountID, connection: connection)
        if !aggregate.status.isFinal {
            try await connection.query("INSERT INTO queue (message_id, available_at) VALUES (\(message.id), \(draft.sendAt ?? message.createdAt))", logger: logger)
        }
    }

    public func message(id: String, accountID: String) async throws -> MessageRecord? {
        let rows = try await client.query("SELECT \(unescaped: MessageColumns.list) FROM messages WHERE id = \(id) AND account_id = \(accountID)", logger: logger)
        for try await row in rows { return try Self.messageRecord(row).0 }
        return nil
    }

    public func parts(messageID: String) async throws -> [PartRecord] {
        let rows = try await client.query("SELECT parts FROM messages WHERE id = \(messageID)", logger: logger)
        for try await text in rows.decode(String.self) {
            return try PartStateCoding.decode(text).enumerated().map { PartRecord(index: $0.offset, state: $0.element) }
        }
        return []
    }

    public func events(messageID: String) async throws -> [StatusEvent] {
        let rows = try await client.query("SELECT \(unescaped: EventColumns.list) FROM events WHERE message_id = \(messageID) ORDER BY seq", logger: logger)
        var events: [StatusEvent] = []
        for try await row in rows { events.append(try Self.event(row)) }
        return events
    }

    public func messages(matching query: MessageQuery) async throws -> [MessageRecord] {
        var sql: PostgresQuery = "SELECT \(unescaped: MessageColumns.list) FROM messages WHERE account_id = \(query.accountID)"
        var bindings = sql.binds
        var text = sql.sql
        func add(_ clause: String, _ value: some PostgresEncodable & Sendable) throws {
            try bindings.append(value, context: .default)
            text += " AND \(clause) $\(bindings.count)"
        }
        if let status = query.status { try add("status =", status.rawValue) }
        if let to = query.to { try add("recipient =", to) }
        if let tag = query.tag { try add("tag =", tag) }
        if let since = query.since { try add("created_at >=", since) }
        if let until = query.until { try add("created_at <", until) }
        if let before = query.before { try add("id <", before) }
        try bindings.append(query.limit, context: .default)
        text += " ORDER BY id DESC LIMIT $\(bindings.count)"
        sql = PostgresQuery(unsafeSQL: text, binds: bindings)
        let rows = try await client.query(sql, logger: logger)
        var records: [MessageRecord] = []
        for try await row in rows { records.append(try Self.messageRecord(row).0) }
        return records
    }

    public func statusCounts(accountID: String, since: Date?) async throws -> [MessageStatus: Int] {
        let rows = if let since {
            try await client.query("SELECT status, COUNT(*) FROM messages WHERE account_id = \(accountID) AND created_at >= \(since) GROUP BY status", logger: logger)
        } else {
            try await client.query("SELECT status, COUNT(*) FROM messages WHERE account_id = \(accountID) GROUP BY status", logger: logger)
        }
        var counts: [MessageStatus: Int] = [:]
        for try await (status, count) in rows.decode((String, Int).self) {
            if let status = MessageStatus(rawValue: status) { counts[status] = count }
        }
        return counts
    }

    // MARK: Queue

    public func claim(owner: String, limit: Int, now: Date, leaseUntil: Date) async throws -> [DispatchJob] {
        try await client.withTransaction(logger: logger) { connection in
            let claimed = try await connection.query("""
                UPDATE queue SET lease_owner = \(owner), lease_until = \(leaseUntil), attempt = attempt + 1
                WHERE message_id IN (
                    SELECT message_id FROM queue WHERE available_at <= \(now) AND (lease_until IS NULL OR lease_until < \(now))
                    ORDER BY available_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING message_id, attempt
                """, logger: self.logger)
            var leased: [(String, Int)] = []
            for try await row in claimed.decode((String, Int).self) { leased.append(row) }
            var jobs: [DispatchJob] = []
            for (messageID, attempt) in leased {
                var found: (MessageRecord, [PartState])?
                for try await row in try await connection.query("SELECT \(unescaped: MessageColumns.list) FROM messages WHERE id = \(messageID) FOR UPDATE", logger: self.logger) {
                    found = try Self.messageRecord(row)
                }
                guard let (message, parts) = found, !message.status.isFinal else {
                    try await connection.query("DELETE FROM queue WHERE message_id = \(messageID)", logger: self.logger)
                    continue
                }
                var events: [StatusEvent] = []
                if message.status == .scheduled {
                    events.append(StatusEvent(messageID: messageID, kind: .status(.queued), source: .timer, occurredAt: now, dedupKey: "queued"))
                }
                events.append(StatusEvent(messageID: messageID, kind: .status(.sending), source: .connector, occurredAt: now, attempt: attempt, dedupKey: "sending:\(attempt)"))
                let updated = try await self.applyEvents(events, messageID: messageID, head: Head(accountID: message.accountID, parts: parts), connection: connection).parts
                jobs.append(DispatchJob(
                    messageID: messageID, accountID: message.accountID, channel: message.channel, to: message.to, from: message.from,
                    subject: message.subject, text: message.text, segments: message.segments, attempt: attempt,
                    expiresAt: message.expiresAt,
                    pendingParts: updated.indices.filter { !updated[$0].wasAcceptedByProvider && !updated[$0].status.isFinal }
                ))
            }
            return jobs
        }
    }

    public func record(_ changes: [MessageChange]) async throws {
        try await client.withTransaction(logger: logger) { connection in
            for change in changes {
                guard let head = try await self.head(messageID: change.messageID, connection: connection) else { continue }
                try await self.applyEvents(change.events, messageID: change.messageID, head: head, connection: connection)
                for correlation in change.correlations {
                    try await self.insertCorrelation(correlation, connection: connection)
                }
                switch change.queue {
                case .keep: break
                case .remove:
                    try await connection.query("DELETE FROM queue WHERE message_id = \(change.messageID)", logger: self.logger)
                case .retry(let at):
                    try await connection.query("UPDATE queue SET available_at = \(at), lease_owner = NULL, lease_until = NULL WHERE message_id = \(change.messageID)", logger: self.logger)
                }
            }
        }
    }

    // MARK: Receipts

    public func ingest(_ receipts: [ProviderReceipt]) async throws -> [ReceiptOutcome] {
        try await client.withTransaction(logger: logger) { connection in
            var outcomes: [ReceiptOutcome] = []
            for receipt in receipts {
                var match: (String, Int)?
                let rows = try await connection.query("""
                    SELECT message_id, part FROM correlations WHERE connector = \(receipt.connector) AND provider_id = \(receipt.providerMessageID)
                    """, logger: self.logger)
                for try await row in rows.decode((String, Int).self) { match = row }
                guard let (messageID, part) = match, let head = try await self.head(messageID: messageID, connection: connection) else {
                    try await self.park(receipt, connection: connection)
                    outcomes.append(.parked)
                    continue
                }
                let applied = try await self.applyEvents([receipt.event(messageID: messageID, part: part)], messageID: messageID, head: head, connection: connection)
                outcomes.append(applied.inserted.isEmpty ? .duplicate(messageID: messageID) : .applied(messageID: messageID))
            }
            return outcomes
        }
    }

    public func unmatchedReceipts(connector: String?, limit: Int) async throws -> [UnmatchedReceipt] {
        let rows = try await client.query("""
            SELECT id, connector, provider_id, kind, reason, occurred_at, received_at, detail_status, detail_error_code, detail_network_error_code,
                detail_text FROM receipts
            WHERE matched_message_id IS NULL AND (\(connector)::text IS NULL OR connector = \(connector)) ORDER BY received_at DESC LIMIT \(limit)
            """, logger: logger)
        var receipts: [UnmatchedReceipt] = []
        for try await (id, connector, providerID, kind, reason, occurred, received, status, error, network, text)
            in rows.decode((String, String, String, String, String?, Date, Date, String?, String?, String?, String?).self) {
            guard let kind = EventKind(rawValue: kind) else { continue }
            receipts.append(UnmatchedReceipt(id: id, receipt: ProviderReceipt(
                connector: connector, providerMessageID: providerID, kind: kind, reason: reason.flatMap(ReasonCode.init(rawValue:)),
                occurredAt: occurred, receivedAt: received, detail: Self.detail(status, error, network, text)
            )))
        }
        return receipts
    }

    // MARK: Timers

    public func expire(now: Date, limit: Int) async throws -> Int {
        try await client.withTransaction(logger: logger) { connection in
            var overdue: [(String, String, String)] = []
            let rows = try await connection.query("""
                SELECT id, account_id, parts FROM messages WHERE NOT final AND expires_at <= \(now) LIMIT \(limit) FOR UPDATE SKIP LOCKED
                """, logger: self.logger)
            for try await row in rows.decode((String, String, String).self) { overdue.append(row) }
            for (messageID, accountID, parts) in overdue {
                let event = StatusEvent(messageID: messageID, kind: .status(.expired), reason: .unknownOutcome, source: .timer, occurredAt: now, dedupKey: "expired")
                try await self.applyEvents([event], messageID: messageID, head: Head(accountID: accountID, parts: try PartStateCoding.decode(parts)), connection: connection)
                try await connection.query("DELETE FROM queue WHERE message_id = \(messageID)", logger: self.logger)
            }
            return overdue.count
        }
    }
}
