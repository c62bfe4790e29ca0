import Foundation
import HeraldCore
import HeraldStore
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The backend for many nodes: PostgreSQL through postgres-nio's connection pool.
///
/// Claims use `FOR UPDATE SKIP LOCKED`, so several processes can dispatch from one queue; every
/// method is one transaction.
public final class PostgresStore: HeraldStore {
    let client: PostgresClient
    /// Which submission a receipt answers; it learns each connector's id dialect, so it lives as long as the store.
    let matcher = Mutex(ReceiptMatcher())
    public let deliveryHandoff = DeliveryHandoff()
    let logger: Logger
    /// Schema the tables live in (`?schema=NAME` in the URL); `nil` for the default search path.
    let schema: String?
    /// Called when a node commits newly queued messages (``onQueuedWork(_:)``).
    let wakeHandlers = Mutex<[@Sendable () -> Void]>([])

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
        await withDiscardingTaskGroup { group in
            group.addTask { await self.client.run() }
            // The listener ends with the store: on cancellation and on graceful shutdown (the client ends on both).
            group.addTask { await cancelWhenGracefulShutdown { await self.listenForWakeups() } }
        }
    }

    public func close() async throws {}

    public func migrate() async throws {
        try await withConnection { connection in
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
                    try await Self.transaction(on: connection, logger: self.logger) { transaction in
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

    public func hasSchema() async throws -> Bool {
        // The schema named in the URL (or the search path's first): where migrate() would create the tables.
        let table = schema.map { "\($0).schema_migrations" } ?? "schema_migrations"
        for try await exists in try await self.query("SELECT to_regclass(\(table)) IS NOT NULL", logger: logger).decode(Bool.self) {
            return exists
        }
        return false
    }

    // MARK: Accounts

    public func addAPIKey(hash: String, key: APIKey) async throws {
        try await self.query("""
            INSERT INTO api_keys (hash, id, prefix, account_id, role, scopes, name, rate_limit, created_at, revoked_at)
            VALUES (\(hash), \(key.id), \(key.prefix), \(key.accountID), \(key.role.rawValue), \(APIKeyScope.text(key.scopes)), \(key.name),
                    \(key.rateLimit), \(key.createdAt), \(key.revokedAt))
            """, logger: logger)
    }

    // MARK: Messages

    public func accept(_ messages: [NewMessage], screening: Screening) async throws -> [(outcome: AcceptOutcome, message: NewMessage)] {
        try await ledgerTransaction { transaction in
            let connection = transaction.connection
            var messages = messages
            if screening.isActive {
                for (group, indices, recipients) in MessageScreening.groups(messages) {
                    let suppressions = screening.suppressions
                        ? try await self.suppressions(accountID: group.accountID, channel: group.channel, recipients: recipients, on: connection) : []
                    let recent = screening.duplicateWindow > 0
                        ? try await self.recentMessages(accountID: group.accountID, channel: group.channel, recipients: recipients,
                                                        since: screening.duplicateSince, on: connection) : []
                    if screening.dnd {
                        let promotional = MessageScreening.promotional(messages, indices: indices)
                        let listed = try await self.dndListed(accountID: group.accountID, recipients: promotional.recipients, on: connection)
                        MessageScreening.applyDND(to: &messages, indices: promotional.indices, listed: listed)
                    }
                    MessageScreening.apply(to: &messages, indices: indices, suppressions: suppressions, recent: recent,
                                           checkDuplicates: screening.duplicateWindow > 0)
                }
            }
            try await self.reserve(&messages, connection: connection)
            let held = try await self.heldCampaigns(messages, connection: connection)
            // Idempotency keys used before (in the database or earlier in this batch) replay the first message.
            var existing: [String: String] = [:]
            let keyed = messages.filter { $0.idempotencyKey != nil }
            if !keyed.isEmpty {
                let accounts = keyed.map(\.accountID), keys = keyed.map { $0.idempotencyKey! }
                let rows = try await connection.query("""
                    SELECT m.account_id, m.idempotency_key, m.id FROM messages m
                    JOIN unnest(\(accounts)::text[], \(keys)::text[]) AS u(account_id, idempotency_key)
                      ON m.account_id = u.account_id AND m.idempotency_key = u.idempotency_key
                    """, logger: self.logger)
                for try await (account, key, id) in rows.decode((String, String, String).self) { existing[account + "\u{1F}" + key] = id }
            }
            var outcomes: [AcceptOutcome] = []
            var fresh: [NewMessage] = []
            for message in messages {
                if let key = message.idempotencyKey {
                    let scoped = message.accountID + "\u{1F}" + key
                    if let id = existing[scoped] {
                        outcomes.append(.replayed(id: id))
                        continue
                    }
                    existing[scoped] = message.id
                }
                fresh.append(message)
                outcomes.append(.created(id: message.id))
            }
            try await self.insert(fresh, held: held, in: transaction)
            return Array(zip(outcomes, messages).map { (outcome: $0, message: $1) })
        }
    }

    /// Inserts new messages, their first events and queue entries: three statements for any number of messages.
    /// Queue entries of messages of `held` campaigns wait until the campaign resumes.
    private func insert(_ messages: [NewMessage], held: Set<String>, in transaction: LedgerTransaction) async throws {
        guard !messages.isEmpty else { return }
        let connection = transaction.connection
        var c = (ids: [String](), accounts: [String](), channels: [String](), recipients: [String](), senders: [String](), subjects: [String](),
                 bodies: [String](), tags: [String](), statuses: [String](), reasons: [String](), segments: [Int](), encodings: [String](),
                 characters: [Int](), prices: [Int64](), created: [Date](), sendAt: [Date](), expires: [Date](), finals: [Bool](),
                 callbacks: [String](), keys: [String](), parts: [String](), reserved: [Int64](), campaigns: [String](), html: [String](), replyTo: [String](),
                 messageOptions: [String]())
        var events: [(StatusEvent, String)] = []
        var queued = (ids: [String](), at: [Date](), pausedFrom: [Date]())
        for message in messages {
            let draft = message.draft
            let initial = message.initialEvent
            var parts = Array(repeating: PartState.initial, count: max(1, draft.segments))
            let aggregate = MessageLedger.apply([initial], to: &parts)
            c.ids.append(message.id)
            c.accounts.append(message.accountID)
            c.channels.append(draft.channel.rawValue)
            c.recipients.append(draft.to)
            c.senders.append(draft.from ?? "")
            c.subjects.append(draft.subject ?? "")
            c.bodies.append(draft.text)
            c.tags.append(draft.tag ?? "")
            c.statuses.append(aggregate.status.rawValue)
            c.reasons.append(aggregate.reason?.rawValue ?? "")
            c.segments.append(parts.count)
            c.encodings.append(draft.encoding ?? "")
            c.characters.append(draft.characters)
            c.prices.append(message.priceMicros)
            c.created.append(message.createdAt)
            c.sendAt.append(draft.sendAt ?? Self.noDate)
            c.expires.append(message.expiresAt)
            c.finals.append(aggregate.status.isFinal)
            c.callbacks.append(draft.callbackURL ?? "")
            c.keys.append(message.idempotencyKey ?? "")
            c.parts.append(PartStateCoding.encode(parts))
            c.reserved.append(message.reservedMicros ?? Self.noMicros)
            c.campaigns.append(message.campaignID ?? "")
            c.html.append(draft.html ?? "")
            c.replyTo.append(draft.replyTo ?? "")
            c.messageOptions.append(MessageOptionsCoding.encode(draft.messageOptions) ?? "")
            events.append((initial, message.accountID))
            if !aggregate.status.isFinal {
                let due = draft.sendAt ?? message.createdAt
                let isHeld = message.campaignID.map(held.contains) ?? false
                queued.ids.append(message.id)
                queued.at.append(isHeld ? CampaignHold.availableAt : due)
                queued.pausedFrom.append(isHeld ? due : Self.noDate)
            }
        }
        try await connection.query("""
            INSERT INTO messages (id, account_id, channel, recipient, sender, subject, body, tag, status, reason, segments, encoding,
                characters, price_micros, created_at, updated_at, send_at, expires_at, final, callback_url, idempotency_key, parts, reserved_micros,
                campaign_id, html, reply_to, email_options)
            SELECT u.id, u.account_id, u.channel, u.recipient, NULLIF(u.sender, ''), NULLIF(u.subject, ''), u.body, NULLIF(u.tag, ''),
                u.status, NULLIF(u.reason, ''), u.segments, NULLIF(u.encoding, ''), u.characters, u.price, u.created, u.created,
                NULLIF(u.send_at, '0001-01-01 00:00:00+00'::timestamptz), u.expires, u.final, NULLIF(u.callback, ''), NULLIF(u.key, ''), u.parts,
                NULLIF(u.reserved, \(Self.noMicros)), NULLIF(u.campaign, ''), NULLIF(u.html, ''), NULLIF(u.reply_to, ''), NULLIF(u.email_options, '')
            FROM unnest(\(c.ids)::text[], \(c.accounts)::text[], \(c.channels)::text[], \(c.recipients)::text[], \(c.senders)::text[],
                \(c.subjects)::text[], \(c.bodies)::text[], \(c.tags)::text[], \(c.statuses)::text[], \(c.reasons)::text[], \(c.segments)::int8[],
                \(c.encodings)::text[], \(c.characters)::int8[], \(c.prices)::int8[], \(c.created)::timestamptz[], \(c.sendAt)::timestamptz[],
                \(c.expires)::timestamptz[], \(c.finals)::bool[], \(c.callbacks)::text[], \(c.keys)::text[], \(c.parts)::text[],
                \(c.reserved)::int8[], \(c.campaigns)::text[], \(c.html)::text[], \(c.replyTo)::text[], \(c.messageOptions)::text[])
                AS u(id, account_id, channel, recipient, sender, subject, body, tag, status, reason, segments, encoding, characters, price,
                     created, send_at, expires, final, callback, key, parts, reserved, campaign, html, reply_to, email_options)
            """, logger: logger)
        let sequences = try await insertEvents(events, connection: connection)
        // The callbacks first events owe (a message's own callback URL, a webhook subscribed to QUEUED or REJECTED).
        try await learnWebhooks(of: messages.map(\.accountID), into: transaction, connection: connection)
        for (message, (event, _)) in zip(messages, events) {
            guard let sequence = sequences[message.id + "\u{1F}" + event.dedupKey] else { continue }
            transaction.outbox.owe(event, sequence: sequence, subject: message.callbackSubject, messageIsFinal: message.draft.initialStatus.isFinal)
        }
        if !queued.ids.isEmpty {
            try await connection.query("""
                INSERT INTO queue (message_id, available_at, paused_from)
                SELECT u.id, u.at, NULLIF(u.paused_from, '0001-01-01 00:00:00+00'::timestamptz)
                FROM unnest(\(queued.ids)::text[], \(queued.at)::timestamptz[], \(queued.pausedFrom)::timestamptz[]) AS u(id, at, paused_from)
                """, logger: logger)
            try await notifyQueued(connection)
        }
    }

    public func message(id: String, accountID: String) async throws -> MessageRecord? {
        for try await row in try await self.query(Self.messageQuery(id: id, accountID: accountID), logger: logger) {
            return try Self.messageRecord(row).0
        }
        return nil
    }

    private static func messageQuery(id: String, accountID: String) -> PostgresQuery {
        "SELECT \(unescaped: MessageColumns.list) FROM messages WHERE id = \(id) AND account_id = \(accountID)"
    }

    private static func eventsQuery(messageID: String) -> PostgresQuery {
        "SELECT \(unescaped: EventColumns.list) FROM events WHERE message_id = \(messageID) ORDER BY seq"
    }

    public func parts(messageID: String) async throws -> [PartRecord] {
        let rows = try await self.query("SELECT parts FROM messages WHERE id = \(messageID)", logger: logger)
        for try await text in rows.decode(String.self) {
            return try PartStateCoding.decode(text).enumerated().map { PartRecord(index: $0.offset, state: $0.element) }
        }
        return []
    }

    public func messageWithEvents(id: String, accountID: String) async throws -> (message: MessageRecord, events: [StatusEvent])? {
        try await transaction { transaction in
            // REPEATABLE READ: both statements see one snapshot (READ COMMITTED takes a new one per statement).
            try await transaction.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: self.logger)
            var message: MessageRecord?
            for try await row in try await transaction.query(Self.messageQuery(id: id, accountID: accountID), logger: self.logger) {
                message = try Self.messageRecord(row).0
            }
            guard let message else { return nil }
            var events: [StatusEvent] = []
            for try await row in try await transaction.query(Self.eventsQuery(messageID: id), logger: self.logger) {
                events.append(try Self.event(row))
            }
            return (message, events)
        }
    }

    public func events(messageID: String) async throws -> [StatusEvent] {
        let rows = try await self.query(Self.eventsQuery(messageID: messageID), logger: logger)
        var events: [StatusEvent] = []
        for try await row in rows { events.append(try Self.event(row)) }
        return events
    }

    public func messagePage(matching query: MessageQuery) async throws -> MessagePage {
        // The filters no index serves are checked row by row, newest first, down to the `scanLimit`-th candidate at most.
        let boundary = try await scanBoundary(matching: query)
        var filter = try Self.LogFilter(query)
        var clauses = filter.indexed + filter.scanned
        if let boundary { clauses.append("id >= \(try filter.bind(boundary))") }
        let text = "SELECT \(MessageColumns.list(for: query)) FROM messages WHERE \(clauses.joined(separator: " AND ")) ORDER BY id DESC LIMIT \(try filter.bind(query.limit))"
        let rows = try await self.query(PostgresQuery(unsafeSQL: text, binds: filter.bindings), logger: logger)
        var records: [MessageRecord] = []
        for try await row in rows { records.append(try Self.messageRecord(row).0) }
        return MessagePage(records: records, readTo: boundary)
    }

    /// The id of the `scanLimit`-th candidate (an index-only read), when a filter no index serves is bounded.
    func scanBoundary(matching query: MessageQuery) async throws -> String? {
        guard let scan = query.scanLimit, query.needsScan else { return nil }
        var filter = try Self.LogFilter(query)
        let offset = try filter.bind(scan - 1)
        let text = "SELECT id FROM messages WHERE \(filter.indexed.joined(separator: " AND ")) ORDER BY id DESC LIMIT 1 OFFSET \(offset)"
        for try await id in try await self.query(PostgresQuery(unsafeSQL: text, binds: filter.bindings), logger: logger).decode(String.self) {
            return id
        }
        return nil
    }

    /// A log query's filters as SQL with their bindings: those an index serves (and the cursor), and those that read rows.
    struct LogFilter {
        var bindings = PostgresBindings()
        var indexed: [String] = []
        var scanned: [String] = []

        init(_ query: MessageQuery) throws {
            indexed.append("account_id = \(try bind(query.accountID))")
            if !query.statuses.isEmpty { indexed.append("status = ANY(\(try bind(query.statuses.map(\.rawValue))))") }
            if let to = query.to { indexed.append("recipient = \(try bind(to))") }
            if let tag = query.tag { indexed.append("tag = \(try bind(tag))") }
            if let since = query.since { indexed.append("created_at >= \(try bind(since))") }
            if let until = query.until { indexed.append("created_at < \(try bind(until))") }
            if let lowest = query.idRange.lowest { indexed.append("id >= \(try bind(lowest))") }
            if let below = query.idRange.below { indexed.append("id < \(try bind(below))") }
            if let campaignID = query.campaignID { indexed.append("campaign_id = \(try bind(campaignID))") }
            if let reason = query.reason { indexed.append("reason = \(try bind(reason.rawValue))") }
            if let before = query.before { indexed.append("id < \(try bind(before))") }
            if let channel = query.channel { scanned.append("channel = \(try bind(channel.rawValue))") }
            if let sender = query.from { scanned.append("sender = \(try bind(sender))") }
            // A part's connector is the last field of its entry in `parts` (PartStateCoding): U+001F, the name, U+001E or the end.
            if let connector = query.connector { scanned.append("strpos(parts || chr(30), chr(31) || \(try bind(connector)) || chr(30)) > 0") }
        }

        /// Binds a value; returns its placeholder (`$3`).
        mutating func bind(_ value: some PostgresEncodable & Sendable) throws -> String {
            try bindings.append(value, context: .default)
            return "$\(bindings.count)"
        }
    }

    public func statusCounts(accountID: String, since: Date?) async throws -> [MessageStatus: Int] {
        let rows = if let since {
            // Only the messages made since: their ids begin with the time they were made (``HeraldID``), a range of
            // messages_account (before: every row of the account was read).
            try await self.query("""
                SELECT status, COUNT(*) FROM messages
                WHERE account_id = \(accountID) AND id >= \(MessageQuery.idRange(since: since, until: nil).lowest) AND created_at >= \(since) GROUP BY status
                """, logger: logger)
        } else {
            try await self.query("SELECT status, COUNT(*) FROM messages WHERE account_id = \(accountID) GROUP BY status", logger: logger)
        }
        var counts: [MessageStatus: Int] = [:]
        for try await (status, count) in rows.decode((String, Int).self) {
            if let status = MessageStatus(rawValue: status) { counts[status] = count }
        }
        return counts
    }

    // MARK: Queue

    public func claim(owner: String, limit: Int, now: Date, leaseUntil: Date) async throws -> [DispatchJob] {
        try await ledgerTransaction { transaction in
            let connection = transaction.connection
            let claimed = try await connection.query("""
                UPDATE queue SET lease_owner = \(owner), lease_until = \(leaseUntil), attempt = attempt + 1
                WHERE message_id IN (
                    SELECT message_id FROM queue WHERE available_at <= \(now) AND (lease_until IS NULL OR lease_until < \(now))
                    ORDER BY available_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING message_id, attempt
                """, logger: self.logger)
            var attempts: [String: Int] = [:]
            for try await (id, attempt) in claimed.decode((String, Int).self) { attempts[id] = attempt }
            guard !attempts.isEmpty else { return [] }
            var messages: [String: (MessageRecord, [PartState])] = [:]
            let rows = try await connection.query("""
                SELECT \(unescaped: MessageColumns.list) FROM messages WHERE id = ANY(\(attempts.keys.sorted())) ORDER BY id FOR UPDATE
                """, logger: self.logger)
            for try await row in rows {
                let found = try Self.messageRecord(row)
                messages[found.0.id] = found
            }
            var events: [String: [StatusEvent]] = [:]
            var heads: [String: Head] = [:]
            var finished: [String] = []
            for (id, attempt) in attempts {
                guard let (message, parts) = messages[id], !message.status.isFinal else {
                    finished.append(id)
                    continue
                }
                events[id] = MessageLedger.claimEvents(messageID: id, status: message.status, attempt: attempt, now: now)
                heads[id] = Head(subject: message.callbackSubject, channel: message.channel, parts: parts, holding: message.holding)
            }
            if !finished.isEmpty {
                try await connection.query("DELETE FROM queue WHERE message_id = ANY(\(finished))", logger: self.logger)
            }
            let applied = try await self.applyBulk(events, heads: heads, in: transaction)
            return events.keys.sorted().compactMap { id -> DispatchJob? in
                guard let (message, _) = messages[id], let parts = applied[id]?.parts, let attempt = attempts[id] else { return nil }
                var job = DispatchJob(
                    messageID: id, accountID: message.accountID, channel: message.channel, to: message.to, from: message.from,
                    subject: message.subject, text: message.text, segments: message.segments, attempt: attempt,
                    expiresAt: message.expiresAt,
                    pendingParts: MessageLedger.pendingParts(parts), rounds: parts.map(\.evidence.round)
                )
                job.html = message.html
                job.replyTo = message.replyTo
                job.messageOptions = message.messageOptions
                return job
            }
        }
    }

    public func record(_ changes: [MessageChange]) async throws {
        try await recordInTransaction(changes)
        // A receipt that arrived while this transaction ran may have been parked by a concurrent one that could not see
        // these correlations yet (nor they it): looked at again now that both are committed (``closeParkingRace()``).
        let correlations = changes.flatMap(\.correlations)
        if !correlations.isEmpty {
            await closeParkingRace(connectors: Set(correlations.map(\.connector)), keys: Set(correlations.flatMap(\.matchKeys)),
                                   retry: changes.first { $0.receiptRetry.policy != nil }?.receiptRetry ?? .none)
        }
    }

    /// After a commit that parked receipts or wrote correlations: applies the parked receipts whose correlation is
    /// committed by now. Of two concurrent transactions, one parking a receipt and one writing its correlation, neither
    /// sees the other; whichever commits second runs this after its commit and sees both. (Before, the one-second sweep
    /// caught them, at most 1,000 per second, so a burst of receipts overtaking their submit responses waited seconds.)
    /// Only receipts filed under these connectors and ids are looked at: an index lookup, where the sweep of every parked
    /// receipt (``rematchParked(limit:)``) after each commit cost more than the rest of the transaction (measured:
    /// four in five PostgreSQL samples under load were that sweep, reading the unmatched-receipts index and the dead rows
    /// of receipts matched since the last vacuum).
    func closeParkingRace(connectors: Set<String>, keys: Set<String>, retry: ReceiptRetry) async {
        do {
            while try await rematchParked(limit: 1000, only: (Array(connectors), Array(keys)), retry: retry) > 0 {}
        } catch {
            logger.warning("re-matching parked receipts failed; the expiry sweep will try again", metadata: ["error": "\(error)"])
        }
    }

    private func recordInTransaction(_ changes: [MessageChange]) async throws {
        try await ledgerTransaction { transaction in
            let connection = transaction.connection
            var events: [String: [StatusEvent]] = [:]
            var correlations: [Correlation] = []
            var removed: [String] = []
            var retries = (ids: [String](), at: [Date]())
            var waits = (ids: [String](), at: [Date]())
            for change in changes {
                events[change.messageID, default: []] += change.events
                correlations += change.correlations
                switch change.queue {
                case .keep: break
                case .remove: removed.append(change.messageID)
                case .retry(let at):
                    retries.ids.append(change.messageID)
                    retries.at.append(at)
                case .wait(let until):
                    waits.ids.append(change.messageID)
                    waits.at.append(until)
                }
            }
            try await self.applyBulk(events, in: transaction)
            if !removed.isEmpty {
                try await connection.query("DELETE FROM queue WHERE message_id = ANY(\(removed))", logger: self.logger)
            }
            if !retries.ids.isEmpty {
                try await connection.query("""
                    UPDATE queue AS q SET available_at = u.at, lease_owner = NULL, lease_until = NULL
                    FROM unnest(\(retries.ids)::text[], \(retries.at)::timestamptz[]) AS u(id, at) WHERE q.message_id = u.id
                    """, logger: self.logger)
            }
            if !waits.ids.isEmpty {
                try await connection.query("""
                    UPDATE queue AS q SET available_at = u.at, lease_owner = NULL, lease_until = NULL, attempt = GREATEST(q.attempt - 1, 0)
                    FROM unnest(\(waits.ids)::text[], \(waits.at)::timestamptz[]) AS u(id, at) WHERE q.message_id = u.id
                    """, logger: self.logger)
            }
            // After the queue changes: a parked temporary-failure receipt these correlations take queues its message again.
            try await self.insertCorrelations(correlations, retry: changes.first { $0.receiptRetry.policy != nil }?.receiptRetry ?? .none, in: transaction)
        }
    }

    public func queueStats(now: Date) async throws -> (depth: Int, oldestDue: Date?) {
        let rows = try await self.query("SELECT COUNT(*), MIN(available_at) FILTER (WHERE available_at <= \(now)) FROM queue", logger: logger)
        for try await (depth, oldest) in rows.decode((Int, Date?).self) { return (depth, oldest) }
        return (0, nil)
    }

    public func renewLeases(owner: String, until: Date) async throws -> Int {
        let rows = try await self.query("UPDATE queue SET lease_until = \(until) WHERE lease_owner = \(owner) RETURNING 1", logger: logger)
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }

    // MARK: Receipts

    public func ingest(_ receipts: [ProviderReceipt], evidence: [ProviderWebhookRecord], retry: ReceiptRetry) async throws -> [ReceiptOutcome] {
        guard !receipts.isEmpty || !evidence.isEmpty else { return [] }
        let outcomes = try await ingestInTransaction(receipts, evidence: evidence, retry: retry)
        let parked = zip(receipts, outcomes).compactMap { receipt, outcome -> ProviderReceipt? in
            if case .parked = outcome { receipt } else { nil }
        }
        if !parked.isEmpty {
            await closeParkingRace(connectors: Set(parked.map(\.connector)), keys: Set(parked.map(\.providerMessageID)), retry: retry)
        }
        return outcomes
    }

    private func ingestInTransaction(_ receipts: [ProviderReceipt], evidence: [ProviderWebhookRecord], retry: ReceiptRetry) async throws -> [ReceiptOutcome] {
        try await ledgerTransaction { transaction in
            let connection = transaction.connection
            // Evidence before effect, in the same transaction.
            try await self.insertWebhooks(evidence, connection: connection)
            let candidates = try await self.candidates(for: receipts, connection: connection)
            var events: [String: [StatusEvent]] = [:]
            var unmatched: [(ProviderReceipt, String)] = []
            var decided: [Int: (messageID: String, key: String)] = [:]
            var prices: [(messageID: String, connector: String, providerID: String, price: ProviderPrice, at: Date)] = []
            var engagements: [(messageID: String, engagement: Engagement, at: Date)] = []
            for (index, receipt) in receipts.enumerated() {
                let found = candidates[index] ?? []
                let decision = self.matcher.withLock { $0.decide(receipt, among: found) }
                switch decision {
                case .match(let chosen):
                    let candidate = found[chosen]
                    let event = receipt.event(messageID: candidate.messageID, part: candidate.part, round: candidate.round, correlatedID: candidate.key)
                    events[candidate.messageID, default: []].append(event)
                    transaction.outbox.noteSubmission(of: candidate.messageID, at: candidate.correlatedAt)
                    decided[index] = (candidate.messageID, event.dedupKey)
                    if let price = receipt.price { prices.append((candidate.messageID, receipt.connector, candidate.key, price, receipt.receivedAt)) }
                    if let engagement = EngagementCount.counted(receipt) { engagements.append((candidate.messageID, engagement, receipt.occurredAt)) }
                case .park(let reason):
                    unmatched.append((receipt, reason))
                }
            }
            let heads = try await self.heads(events.keys.sorted(), connection: connection)
            let retries = try await self.retries(&events, heads: heads, retry: retry, connection: connection)
            let applied = try await self.applyBulk(events, heads: heads, in: transaction)
            try await self.requeue(retries, applied: applied, connection: connection)
            try await self.park(unmatched, connection: connection)
            for entry in prices {
                try await self.keepPrice(entry.price, messageID: entry.messageID, connector: entry.connector, providerID: entry.providerID, at: entry.at,
                                         connection: connection)
            }
            for entry in engagements {
                try await self.count(entry.engagement, messageID: entry.messageID, at: entry.at, connection: connection)
            }
            // Report per receipt: the first copy of a new event applied, every other copy a duplicate.
            var reported = Set<String>()
            var parkedReasons = unmatched.map(\.1).makeIterator()
            return receipts.indices.map { index in
                guard let (messageID, key) = decided[index] else { return .parked(reason: parkedReasons.next() ?? "") }
                let isNew = applied[messageID]?.inserted.contains { $0.dedupKey == key } == true
                return isNew && reported.insert(messageID + "\u{1F}" + key).inserted ? .applied(messageID: messageID) : .duplicate(messageID: messageID)
            }
        }
    }

    /// Every stored submission under any match key of each receipt (by the receipt's index), most recent first.
    func candidates(for receipts: [ProviderReceipt], connection: LiveConnection) async throws -> [Int: [ReceiptMatcher.Candidate]] {
        let (ordinals, connectors, keys) = Self.flattenKeys(receipts.map { ($0.connector, ReceiptMatcher.lookupKeys($0)) })
        let rows = try await connection.query("""
            SELECT u.ord, c.provider_id, c.message_id, c.part, c.round, c.correlated_at, c.seq, m.recipient, m.parts
            FROM unnest(\(ordinals)::int8[], \(connectors)::text[], \(keys)::text[]) AS u(ord, connector, provider_id)
            JOIN correlations c ON c.connector = u.connector AND c.provider_id = u.provider_id
            JOIN messages m ON m.id = c.message_id
            ORDER BY u.ord, c.seq DESC
            """, logger: logger)
        var found: [Int: [ReceiptMatcher.Candidate]] = [:]
        for try await (ordinal, key, messageID, part, round, correlatedAt, seq, recipient, parts)
            in rows.decode((Int, String, String, Int, Int, Date?, Int64, String, String).self) {
            let states = try PartStateCoding.decode(parts)
            found[ordinal, default: []].append(ReceiptMatcher.Candidate(
                key: key, form: ReceiptMatcher.form(of: key, in: receipts[ordinal]), messageID: messageID, part: part, round: round,
                recipient: recipient, correlatedAt: correlatedAt, sequence: seq, state: states.indices.contains(part) ? states[part] : nil
            ))
        }
        return found
    }

    /// A provider's reported price for one of its messages (the latest report stands).
    func keepPrice(_ price: ProviderPrice, messageID: String, connector: String, providerID: String, at: Date, connection: LiveConnection) async throws {
        try await connection.query("""
            INSERT INTO provider_prices (message_id, connector, provider_id, amount, currency, category, reported_at)
            VALUES (\(messageID), \(connector), \(providerID), \(price.amount), \(price.currency), \(price.category), \(at))
            ON CONFLICT (message_id, connector, provider_id) DO UPDATE SET amount = COALESCE(excluded.amount, provider_prices.amount),
                currency = COALESCE(excluded.currency, provider_prices.currency), category = COALESCE(excluded.category, provider_prices.category),
                reported_at = excluded.reported_at
            """, logger: logger)
    }

    /// One more open or click of the message (``EngagementCount``).
    func count(_ engagement: Engagement, messageID: String, at: Date, connection: LiveConnection) async throws {
        try await connection.query("""
            INSERT INTO engagement_counts (message_id, kind, count, first_at, last_at) VALUES (\(messageID), \(engagement.rawValue), 1, \(at), \(at))
            ON CONFLICT (message_id, kind) DO UPDATE SET count = engagement_counts.count + 1,
                first_at = LEAST(engagement_counts.first_at, excluded.first_at), last_at = GREATEST(engagement_counts.last_at, excluded.last_at)
            """, logger: logger)
    }

    public func engagementCounts(messageID: String) async throws -> [EngagementCount] {
        let rows = try await self.query("""
            SELECT kind, count, first_at, last_at FROM engagement_counts WHERE message_id = \(messageID) ORDER BY first_at, kind
            """, logger: logger)
        var counts: [EngagementCount] = []
        for try await (kind, count, first, last) in rows.decode((String, Int, Date, Date).self) {
            guard let engagement = Engagement(rawValue: kind) else { continue }
            counts.append(EngagementCount(engagement: engagement, count: count, firstAt: first, lastAt: last))
        }
        return counts
    }

    public func providerPrices(messageID: String) async throws -> [ProviderPriceRecord] {
        let rows = try await self.query("""
            SELECT connector, provider_id, amount, currency, category FROM provider_prices WHERE message_id = \(messageID) ORDER BY reported_at, provider_id
            """, logger: logger)
        var prices: [ProviderPriceRecord] = []
        for try await (connector, providerID, amount, currency, category) in rows.decode((String, String, String?, String?, String?).self) {
            prices.append(ProviderPriceRecord(connector: connector, providerMessageID: providerID, price: ProviderPrice(amount: amount, currency: currency, category: category)))
        }
        return prices
    }

    public func unmatchedReceipts(connector: String?, limit: Int) async throws -> [UnmatchedReceipt] {
        let rows = try await self.query("""
            SELECT id, connector, provider_id, kind, reason, occurred_at, received_at, detail_status, detail_error_code, detail_network_error_code,
                detail_text, addresses, submitted_at, parked_reason FROM receipts
            WHERE matched_message_id IS NULL AND (\(connector)::text IS NULL OR connector = \(connector)) ORDER BY received_at DESC LIMIT \(limit)
            """, logger: logger)
        var receipts: [UnmatchedReceipt] = []
        for try await (id, connector, providerID, kind, reason, occurred, received, status, error, network, text, addresses, submitted, why)
            in rows.decode((String, String, String, String, String?, Date, Date, String?, String?, String?, String?, String?, Date?, String?).self) {
            guard let kind = EventKind(rawValue: kind) else { continue }
            receipts.append(UnmatchedReceipt(id: id, receipt: ProviderReceipt(
                connector: connector, providerMessageID: providerID, kind: kind, reason: reason.flatMap(ReasonCode.init(rawValue:)),
                occurredAt: occurred, receivedAt: received, detail: Self.detail(status, error, network, text),
                addresses: ReceiptMatcher.addresses(stored: addresses), submittedAt: submitted
            ), reason: why))
        }
        return receipts
    }

    /// What the parked-receipt rematch reads: each parked receipt with every correlation it may now match.
    static let parkedColumns = """
        p.id, p.kind, p.reason, p.occurred_at, p.received_at, p.detail_status, p.detail_error_code, p.detail_network_error_code,
            p.detail_text, p.addresses, p.submitted_at, c.connector, c.provider_id, c.message_id, c.part, c.round, c.correlated_at, m.recipient,
            p.price_amount, p.price_currency, p.price_category
        """
    static let parkedJoins = """
        FROM receipts p
        JOIN correlations c ON c.connector = p.connector AND c.provider_id = ANY(COALESCE(p.match_keys, ARRAY[p.provider_id]))
        JOIN messages m ON m.id = c.message_id
        """
    static let parkedConditions = """
        p.matched_message_id IS NULL AND (p.parked_reason IS NULL OR p.parked_reason NOT LIKE '\(ReceiptMatcher.ambiguous)%')
          AND (p.parked_reason IS NULL OR position(c.message_id in p.parked_reason) = 0)
          AND p.received_at > now() - interval '10 minutes'
          AND abs(extract(epoch FROM p.received_at - coalesce(c.correlated_at, p.received_at))) <= \(Int(ReceiptMatcher.submitDateTolerance))
        """

    public func rematchParked(limit: Int) async throws -> Int {
        try await rematchParked(limit: limit, only: nil)
    }

    /// ``rematchParked(limit:)`` for every parked receipt, or only those filed under these connectors and ids.
    func rematchParked(limit: Int, only filter: (connectors: [String], keys: [String])?, retry: ReceiptRetry = .none) async throws -> Int {
        let everything = filter == nil, connectors = filter?.connectors ?? [], keys = filter?.keys ?? []
        if !everything {
            // Nearly always nothing is parked under these ids: one indexed read, no transaction, no row locks.
            var any = false
            for try await found in try await self.query("""
                SELECT EXISTS (SELECT 1 FROM receipts WHERE matched_message_id IS NULL AND connector = ANY(\(connectors)) AND provider_id = ANY(\(keys)))
                """, logger: logger).decode(Bool.self) { any = found }
            guard any else { return 0 }
        }
        return try await ledgerTransaction { transaction in
            let connection = transaction.connection
            // Two statements, not one with `(everything OR ...)`: under a bound flag PostgreSQL plans for both cases and
            // reads every parked receipt, joining each to its correlations, even when it was given the ids (hundreds of
            // milliseconds per call with a few thousand parked, while they hold their locks; docs/PERFORMANCE.md).
            // The sweep of every parked receipt leaves alone those parked in the last two seconds: the commit that
            // writes their correlation re-matches them (``closeParkingRace``); the sweep is the backstop for a commit
            // whose process died before that. Reading (and locking) thousands of fresh ones every second under load
            // took up to a second a time and held up the very record transactions that would have matched them.
            let rows = everything
                ? try await connection.query("""
                    SELECT \(unescaped: Self.parkedColumns) \(unescaped: Self.parkedJoins)
                    WHERE \(unescaped: Self.parkedConditions) AND p.received_at < now() - interval '2 seconds'
                    ORDER BY p.id DESC, c.seq DESC LIMIT \(limit) FOR UPDATE OF p SKIP LOCKED
                    """, logger: self.logger)
                : try await connection.query("""
                    SELECT \(unescaped: Self.parkedColumns) \(unescaped: Self.parkedJoins)
                    WHERE \(unescaped: Self.parkedConditions) AND p.connector = ANY(\(connectors)) AND p.provider_id = ANY(\(keys))
                    ORDER BY p.id DESC, c.seq DESC LIMIT \(limit) FOR UPDATE OF p SKIP LOCKED
                    """, logger: self.logger)
            let matched = try await Self.parkedMatches(rows)
            return try await self.applyParked(matched, retry: retry, in: transaction)
        }
    }

    // MARK: Timers

    public func expire(now: Date, limit: Int) async throws -> Int {
        try await ledgerTransaction { transaction in
            let connection = transaction.connection
            var overdue: [String: Head] = [:]
            let rows = try await connection.query("""
                SELECT id, \(unescaped: Head.columns) FROM messages WHERE NOT final AND expires_at <= \(now) ORDER BY id LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
                """, logger: self.logger)
            for try await row in rows {
                let (id, head) = try Head.decode(row)
                overdue[id] = head
            }
            guard !overdue.isEmpty else { return 0 }
            var events: [String: [StatusEvent]] = [:]
            for id in overdue.keys {
                events[id] = [MessageLedger.expiry(messageID: id, now: now)]
            }
            try await self.applyBulk(events, heads: overdue, in: transaction)
            try await connection.query("DELETE FROM queue WHERE message_id = ANY(\(Array(overdue.keys)))", logger: self.logger)
            return overdue.count
        }
    }
}

// MARK: Wake-ups across nodes

/// Nodes on one database wake each other through PostgreSQL's LISTEN / NOTIFY: a transaction that queues messages
/// notifies `herald_queue` (delivered when it commits, once per transaction), and every node that listens wakes its
/// dispatcher at once instead of at its next poll. The poll stays as the safety net (a notification sent while a
/// listener reconnects is lost; the poll finds the work).
extension PostgresStore {
    /// The notification channel for queued work, per schema (nodes on one schema share it).
    var queueChannel: String { "herald_queue" + (schema.map { "_" + $0.lowercased() } ?? "") }

    /// Calls `handler` whenever any node (this one included) commits newly queued messages. Register before ``run()``.
    public func onQueuedWork(_ handler: @escaping @Sendable () -> Void) {
        wakeHandlers.withLock { $0.append(handler) }
    }

    /// Queues the notification in the transaction: sent when it commits, dropped when it rolls back.
    func notifyQueued(_ connection: LiveConnection) async throws {
        try await connection.query("SELECT pg_notify(\(queueChannel), '')", logger: logger)
    }

    /// Listens while the store runs, reconnecting after a lost connection (a restarted server).
    func listenForWakeups() async {
        guard !wakeHandlers.withLock({ $0.isEmpty }) else { return }
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: self.queueChannel) { notifications in
                        for try await _ in notifications {
                            for handler in self.wakeHandlers.withLock({ $0 }) { handler() }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("LISTEN for wake-ups lost; listening again in 1 s (dispatch polls meanwhile)", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
