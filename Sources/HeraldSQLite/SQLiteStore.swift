import Foundation
import GRDB
import Synchronization
import HeraldCore
import HeraldStore
import ServiceLifecycle

/// The embedded backend: one SQLite file in WAL mode, through GRDB.
///
/// SQLite has one writer at a time, so every write method is one short transaction and hot paths
/// take batches (``record(_:)``, ``ingest(_:)``, ``claim(owner:limit:now:leaseUntil:)``).
public final class SQLiteStore: HeraldStore {
    let pool: DatabasePool
    /// Every write transaction goes through it: the writes of the last few milliseconds share one commit.
    let writer: WriterPipeline
    /// Which submission a receipt answers; it learns each connector's id dialect, so it lives as long as the store.
    let matcher = Mutex(ReceiptMatcher())
    public let deliveryHandoff = DeliveryHandoff()
    /// One writer: claims and ingests in short transactions, so an accept waits little behind them (PERFORMANCE.md).
    public var claimBatchSize: Int { 64 }
    public var ingestBatchSize: Int { 256 }

    /// One process owns the file: every queued message is its own, and its accept already wakes its dispatcher.
    public func onQueuedWork(_ handler: @escaping @Sendable () -> Void) {}

    /// Opens (creating if needed) the database file at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL + NORMAL: a commit survives a crash of the process (not of the machine) without an fsync each time.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -16384")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        configuration.writeTargetQueue = DispatchQueue(label: "herald.sqlite.writer", qos: .userInteractive)
        pool = try DatabasePool(path: path, configuration: configuration)
        writer = WriterPipeline(pool: pool)
    }

    public func migrate() async throws {
        try SQLiteSchema.migrator.migrate(pool)
    }

    public func hasSchema() async throws -> Bool {
        try await pool.read { db in try db.tableExists("messages") }
    }

    /// SQLite needs no connection upkeep: waits for shutdown, then closes the file.
    public func run() async throws {
        try? await gracefulShutdown()
    }

    public func close() async throws {
        try pool.close()
    }

    // MARK: Accounts

    public func addAPIKey(hash: String, key: APIKey) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO api_keys (hash, id, prefix, account_id, role, scopes, name, rate_limit, created_at, revoked_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [hash, key.id, key.prefix, key.accountID, key.role.rawValue, APIKeyScope.text(key.scopes), key.name, key.rateLimit,
                                 key.createdAt.timeIntervalSince1970, key.revokedAt?.timeIntervalSince1970])
        }
    }

    /// A write transaction that may record events: the callbacks they owe (``CallbackOutbox``) are stored before the
    /// commit and handed to this process's sender after it.
    func ledgerWrite<T: Sendable>(urgent: Bool = false, _ body: @escaping @Sendable (Database, inout CallbackOutbox) throws -> T) async throws -> T {
        let handoff = deliveryHandoff
        let (result, deliveries) = try await writer.write(urgent: urgent) { db in
            let now = Date()
            var outbox = CallbackOutbox(now: now, leaseUntil: handoff.leaseUntil(now: now))
            let result = try body(db, &outbox)
            try Self.insertDeliveries(outbox.deliveries, db: db)
            for row in outbox.stats.values { try Self.addStats(row, db: db) }
            for (key, count) in outbox.progress { try Self.addProgress(key, count: count, db: db) }
            return (result, outbox.deliveries)
        }
        handoff.deliver(deliveries)
        return result
    }

    // MARK: Messages

    public func accept(_ messages: [NewMessage], screening: Screening) async throws -> [(outcome: AcceptOutcome, message: NewMessage)] {
        // Requests of a few messages are answered as soon as they are stored (a client waits on each); large batches are
        // throughput work and queue like the rest.
        try await ledgerWrite(urgent: messages.count <= 256) { db, outbox in
            var messages = messages
            if screening.isActive { try Self.screen(&messages, screening, db: db) }
            try Self.reserve(&messages, db: db)
            let held = try Self.heldCampaigns(messages, db: db)
            var stored: [(outcome: AcceptOutcome, message: NewMessage)] = []
            stored.reserveCapacity(messages.count)
            var created: [NewMessage] = []
            created.reserveCapacity(messages.count)
            // Keys used earlier in this batch: the rows are written after the loop, where the query cannot see them.
            var keysInBatch: [String: String] = [:]
            for message in messages {
                if let key = message.idempotencyKey {
                    let scoped = message.accountID + "\u{0}" + key
                    if let existing = try keysInBatch[scoped] ?? String.fetchOne(
                        db.cachedStatement(sql: "SELECT id FROM messages WHERE account_id = ? AND idempotency_key = ?"),
                        arguments: [message.accountID, key]) {
                        stored.append((.replayed(id: existing), message))
                        continue
                    }
                    keysInBatch[scoped] = message.id
                }
                created.append(message)
                stored.append((.created(id: message.id), message))
            }
            try Self.insert(created, held: held, outbox: &outbox, db: db)
            return stored
        }
    }

    private static func screen(_ messages: inout [NewMessage], _ screening: Screening, db: Database) throws {
        for (group, indices, recipients) in MessageScreening.groups(messages) {
            let suppressions = screening.suppressions ? try Self.suppressions(accountID: group.accountID, channel: group.channel, recipients: recipients, db: db) : []
            let recent = screening.duplicateWindow > 0
                ? try Self.recentMessages(accountID: group.accountID, channel: group.channel, recipients: recipients, since: screening.duplicateSince, db: db) : []
            if screening.dnd {
                let promotional = MessageScreening.promotional(messages, indices: indices)
                let listed = try Self.dndListed(accountID: group.accountID, recipients: promotional.recipients, db: db)
                MessageScreening.applyDND(to: &messages, indices: promotional.indices, listed: listed)
            }
            MessageScreening.apply(to: &messages, indices: indices, suppressions: suppressions, recent: recent, checkDuplicates: screening.duplicateWindow > 0)
        }
    }

    static let messageInsert = MultiRowInsert("""
        INSERT INTO messages (id, account_id, channel, recipient, sender, subject, body, tag, status, reason, segments,
            encoding, characters, price_micros, created_at, updated_at, send_at, expires_at, final, callback_url, idempotency_key, parts,
            reserved_micros, campaign_id, html, reply_to, email_options) VALUES
        """, columns: 27)
    static let queueInsert = MultiRowInsert("INSERT INTO queue (message_id, available_at, paused_from) VALUES", columns: 3)

    /// What a new message starts with: its first event, the part states and status that event gives it.
    private struct Initial {
        var message: NewMessage
        var event: StatusEvent
        var aggregate: MessageAggregate
        var parts: String
        var segments: Int

        init(_ message: NewMessage) {
            self.message = message
            event = message.initialEvent
            var parts = Array(repeating: PartState.initial, count: max(1, message.draft.segments))
            aggregate = MessageLedger.apply([event], to: &parts)
            self.parts = PartStateCoding.encode(parts)
            segments = parts.count
        }
    }

    /// Inserts the messages, their first events and their queue entries, many rows per statement.
    /// `held`: campaigns whose new queue entries wait until the campaign resumes.
    private static func insert(_ messages: [NewMessage], held: Set<String>, outbox: inout CallbackOutbox, db: Database) throws {
        guard !messages.isEmpty else { return }
        let initials = messages.map(Initial.init)
        try messageInsert.run(initials, db: db) { statement, initial in
            let message = initial.message, draft = message.draft
            let created = message.createdAt.timeIntervalSince1970
            statement.bind(message.id)
            statement.bind(message.accountID)
            statement.bind(draft.channel.rawValue)
            statement.bind(draft.to)
            statement.bind(draft.from)
            statement.bind(draft.subject)
            statement.bind(draft.text)
            statement.bind(draft.tag)
            statement.bind(initial.aggregate.status.rawValue)
            statement.bind(initial.aggregate.reason?.rawValue)
            statement.bind(initial.segments)
            statement.bind(draft.encoding)
            statement.bind(draft.characters)
            statement.bind(message.priceMicros)
            statement.bind(created)
            statement.bind(created)
            statement.bind(draft.sendAt?.timeIntervalSince1970)
            statement.bind(message.expiresAt.timeIntervalSince1970)
            statement.bind(initial.aggregate.status.isFinal)
            statement.bind(draft.callbackURL)
            statement.bind(message.idempotencyKey)
            statement.bind(initial.parts)
            statement.bind(message.reservedMicros)
            statement.bind(message.campaignID)
            statement.bind(draft.html)
            statement.bind(draft.replyTo)
            statement.bind(MessageOptionsCoding.encode(draft.messageOptions))
        }
        // First events of new messages never conflict, so each got the next sequence number in order.
        let sequences = try eventInsert.run(initials, db: db) { statement, initial in
            bindEvent(initial.event, accountID: initial.message.accountID, to: &statement)
        }
        // The callbacks first events owe (a message's own callback URL, a webhook subscribed to QUEUED or REJECTED).
        for (initial, sequence) in zip(initials, sequences) {
            try learnWebhooks(of: initial.message.accountID, into: &outbox, db: db)
            outbox.owe(initial.event, sequence: sequence, subject: initial.message.callbackSubject, messageIsFinal: initial.aggregate.status.isFinal)
        }
        try queueInsert.run(initials.lazy.filter { !$0.aggregate.status.isFinal }, db: db) { statement, initial in
            let due = (initial.message.draft.sendAt ?? initial.message.createdAt).timeIntervalSince1970
            let isHeld = initial.message.campaignID.map(held.contains) ?? false
            statement.bind(initial.message.id)
            statement.bind(isHeld ? CampaignHold.availableAt.timeIntervalSince1970 : due)
            statement.bind(isHeld ? due : nil)
        }
    }

    public func message(id: String, accountID: String) async throws -> MessageRecord? {
        try await pool.read { db in try Self.message(id: id, accountID: accountID, db: db) }
    }

    private static func message(id: String, accountID: String, db: Database) throws -> MessageRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(MessageColumns.list) FROM messages WHERE id = ? AND account_id = ?"), arguments: [id, accountID])
            .map { try messageRecord($0).0 }
    }

    private static func events(messageID: String, db: Database) throws -> [StatusEvent] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(EventColumns.list) FROM events WHERE message_id = ? ORDER BY seq"), arguments: [messageID])
            .map(event)
    }

    public func parts(messageID: String) async throws -> [PartRecord] {
        try await pool.read { db in
            guard let text = try String.fetchOne(db.cachedStatement(sql: "SELECT parts FROM messages WHERE id = ?"), arguments: [messageID]) else { return [] }
            return try PartStateCoding.decode(text).enumerated().map { PartRecord(index: $0.offset, state: $0.element) }
        }
    }

    public func messageWithEvents(id: String, accountID: String) async throws -> (message: MessageRecord, events: [StatusEvent])? {
        // One read transaction: one WAL snapshot for both statements.
        try await pool.read { db in
            guard let message = try Self.message(id: id, accountID: accountID, db: db) else { return nil }
            return (message, try Self.events(messageID: id, db: db))
        }
    }

    public func events(messageID: String) async throws -> [StatusEvent] {
        try await pool.read { db in try Self.events(messageID: messageID, db: db) }
    }

    public func messagePage(matching query: MessageQuery) async throws -> MessagePage {
        let (indexed, scanned) = Self.filters(query)
        let bounded = query.scanLimit != nil && !scanned.clauses.isEmpty
        let boundarySQL = Self.boundarySQL(indexed)
        let boundaryArguments = StatementArguments(indexed.arguments + [(query.scanLimit ?? 1) - 1])
        // The filters no index serves are checked row by row, newest first, down to the `scanLimit`-th candidate at most.
        let sql = "SELECT \(MessageColumns.list(for: query)) FROM \(indexed.from) WHERE \((indexed.clauses + scanned.clauses).joined(separator: " AND "))"
            + (bounded ? " AND id >= ?" : "") + " ORDER BY id DESC LIMIT ?"
        let arguments = StatementArguments(indexed.arguments + scanned.arguments)
        let limit = query.limit
        return try await pool.read { db in
            var all = arguments
            let boundary = bounded ? try String.fetchOne(db.cachedStatement(sql: boundarySQL), arguments: boundaryArguments) : nil
            // Fewer candidates than the bound: all of them (every id is >= "").
            if bounded { all += [boundary ?? ""] }
            all += [limit]
            // A cursor reads each row in place; fetchAll would copy every row with its column names first.
            var records: [MessageRecord] = []
            let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: all)
            while let row = try rows.next() { records.append(try Self.messageRecord(row).0) }
            return MessagePage(records: records, readTo: boundary)
        }
    }

    /// The id of the candidate at an offset (the last argument), newest first: an index-only read.
    static func boundarySQL(_ indexed: (from: String, clauses: [String], arguments: [(any DatabaseValueConvertible)?])) -> String {
        "SELECT id FROM \(indexed.from) WHERE \(indexed.clauses.joined(separator: " AND ")) ORDER BY id DESC LIMIT 1 OFFSET ?"
    }

    /// A log query's filters: those an index serves (with the table to read, and the cursor), and those that read rows.
    static func filters(_ query: MessageQuery) -> (indexed: (from: String, clauses: [String], arguments: [(any DatabaseValueConvertible)?]),
                                                   scanned: (clauses: [String], arguments: [(any DatabaseValueConvertible)?])) {
        // A recipient filter reads (recipient, id): newest first, whatever the size of the account's log.
        let from = "messages" + (query.to == nil ? "" : " INDEXED BY messages_recipient")
        var clauses = ["account_id = ?"]
        var arguments: [(any DatabaseValueConvertible)?] = [query.accountID]
        if !query.statuses.isEmpty {
            clauses.append("status IN (\(Array(repeating: "?", count: query.statuses.count).joined(separator: ", ")))")
            arguments += query.statuses.map(\.rawValue)
        }
        if let to = query.to { clauses.append("recipient = ?"); arguments.append(to) }
        if let tag = query.tag { clauses.append("tag = ?"); arguments.append(tag) }
        if let since = query.since { clauses.append("created_at >= ?"); arguments.append(since.timeIntervalSince1970) }
        if let until = query.until { clauses.append("created_at < ?"); arguments.append(until.timeIntervalSince1970) }
        if let lowest = query.idRange.lowest { clauses.append("id >= ?"); arguments.append(lowest) }
        if let below = query.idRange.below { clauses.append("id < ?"); arguments.append(below) }
        if let campaignID = query.campaignID { clauses.append("campaign_id = ?"); arguments.append(campaignID) }
        if let reason = query.reason { clauses.append("reason = ?"); arguments.append(reason.rawValue) }
        if let before = query.before { clauses.append("id < ?"); arguments.append(before) }
        var scanned: [String] = []
        var scannedArguments: [(any DatabaseValueConvertible)?] = []
        if let channel = query.channel { scanned.append("channel = ?"); scannedArguments.append(channel.rawValue) }
        if let sender = query.from { scanned.append("sender = ?"); scannedArguments.append(sender) }
        // A part's connector is the last field of its entry in `parts` (PartStateCoding): U+001F, the name, U+001E or the end.
        if let connector = query.connector { scanned.append("instr(parts || char(30), char(31) || ? || char(30)) > 0"); scannedArguments.append(connector) }
        return ((from, clauses, arguments), (scanned, scannedArguments))
    }

    public func statusCounts(accountID: String, since: Date?) async throws -> [MessageStatus: Int] {
        try await pool.read { db in
            // Without `since` the count is an index-only scan of (account_id, status, id). With it, only the messages
            // made since are read: a message's id begins with the time it was made (``HeraldID``), so they are the range
            // of (account_id, id) from the lowest id of that time (before: every row of the account was read and its
            // created_at compared, about a second per 1,000,000 messages however recent `since` was).
            let rows = try since.map {
                try Row.fetchAll(db, sql: """
                    SELECT status, COUNT(*) AS n FROM messages INDEXED BY messages_account
                    WHERE account_id = ? AND id >= ? AND created_at >= ? GROUP BY status
                    """, arguments: [accountID, MessageQuery.idRange(since: $0, until: nil).lowest, $0.timeIntervalSince1970])
            } ?? Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM messages WHERE account_id = ? GROUP BY status", arguments: [accountID])
            var counts: [MessageStatus: Int] = [:]
            for row in rows {
                if let status = MessageStatus(rawValue: row[0]) { counts[status] = row[1] }
            }
            return counts
        }
    }

    // MARK: Queue

    public func claim(owner: String, limit: Int, now: Date, leaseUntil: Date) async throws -> [DispatchJob] {
        try await ledgerWrite { db, outbox in
            let claimed = try Row.fetchAll(db.cachedStatement(sql: """
                UPDATE queue SET lease_owner = ?, lease_until = ?, attempt = attempt + 1
                WHERE message_id IN (
                    SELECT message_id FROM queue
                    WHERE available_at <= ? AND (lease_until IS NULL OR lease_until < ?)
                    ORDER BY available_at LIMIT ?)
                RETURNING message_id, attempt
                """), arguments: [owner, leaseUntil.timeIntervalSince1970, now.timeIntervalSince1970, now.timeIntervalSince1970, limit])
            var jobs: [DispatchJob] = []
            jobs.reserveCapacity(claimed.count)
            // Only what a dispatch needs, read through the C API: this runs once per message sent, on the writer.
            var read = try RawStatement(db.cachedStatement(sql: """
                SELECT \(Head.columns), status, sender, subject, body, segments, expires_at, html, reply_to, email_options FROM messages WHERE id = ?
                """), db: db)
            for row in claimed {
                let messageID: String = row[0]
                let attempt: Int = row[1]
                read.bind(messageID)
                let found = try read.rows { row -> (head: Head, status: MessageStatus?, job: DispatchJob) in
                    let head = try Head(row, from: 0)
                    var job = DispatchJob(
                        messageID: messageID, accountID: head.accountID, channel: head.channel, to: head.subject.to,
                        from: row.optionalString(11), subject: row.optionalString(12), text: row.string(13), segments: row.int(14),
                        attempt: attempt, expiresAt: Date(timeIntervalSince1970: row.double(15)), pendingParts: []
                    )
                    job.html = row.optionalString(16)
                    job.replyTo = row.optionalString(17)
                    job.messageOptions = MessageOptionsCoding.decode(row.optionalString(18))
                    return (head, MessageStatus(rawValue: row.string(10)), job)
                }.first
                guard let found, let status = found.status, !status.isFinal else {
                    try db.cachedStatement(sql: "DELETE FROM queue WHERE message_id = ?").execute(arguments: [messageID])
                    continue
                }
                let events = MessageLedger.claimEvents(messageID: messageID, status: status, attempt: attempt, now: now)
                let updated = try Self.applyEvents(events, messageID: messageID, head: found.head, outbox: &outbox, db: db).parts
                var job = found.job
                job.pendingParts = MessageLedger.pendingParts(updated)
                job.rounds = updated.map(\.evidence.round)
                jobs.append(job)
            }
            return jobs
        }
    }

    public func record(_ changes: [MessageChange]) async throws {
        try await ledgerWrite { db, outbox in
            for change in changes {
                guard let head = try Self.head(messageID: change.messageID, db: db) else { continue }
                try Self.applyEvents(change.events, messageID: change.messageID, head: head, outbox: &outbox, db: db)
                switch change.queue {
                case .keep: break
                case .remove:
                    var delete = try RawStatement(db.cachedStatement(sql: "DELETE FROM queue WHERE message_id = ?"), db: db)
                    delete.bind(change.messageID)
                    try delete.run()
                case .retry(let at):
                    try db.cachedStatement(sql: "UPDATE queue SET available_at = ?, lease_owner = NULL, lease_until = NULL WHERE message_id = ?")
                        .execute(arguments: [at.timeIntervalSince1970, change.messageID])
                case .wait(let until):
                    try db.cachedStatement(sql: """
                        UPDATE queue SET available_at = ?, lease_owner = NULL, lease_until = NULL, attempt = MAX(attempt - 1, 0) WHERE message_id = ?
                        """).execute(arguments: [until.timeIntervalSince1970, change.messageID])
                }
                // After the queue change: a parked temporary-failure receipt these correlations take queues the message again.
                for correlation in change.correlations {
                    try Self.insertCorrelation(correlation, outbox: &outbox, db: db, retry: change.receiptRetry)
                }
            }
        }
    }

    public func queueStats(now: Date) async throws -> (depth: Int, oldestDue: Date?) {
        try await pool.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*), MIN(CASE WHEN available_at <= ? THEN available_at END) FROM queue",
                                       arguments: [now.timeIntervalSince1970])
            return (row?[0] ?? 0, (row?[1] as Double?).map(Date.init(timeIntervalSince1970:)))
        }
    }

    public func renewLeases(owner: String, until: Date) async throws -> Int {
        // Urgent: a renewal that comes late lets another worker send the same messages again.
        try await writer.write(urgent: true) { db in
            try db.cachedStatement(sql: "UPDATE queue SET lease_until = ? WHERE lease_owner = ?").execute(arguments: [until.timeIntervalSince1970, owner])
            return db.changesCount
        }
    }

    // MARK: Receipts

    public func ingest(_ receipts: [ProviderReceipt], evidence: [ProviderWebhookRecord], retry: ReceiptRetry) async throws -> [ReceiptOutcome] {
        try await ledgerWrite { db, outbox in
            // Evidence before effect, in the same transaction.
            try Self.insertWebhooks(evidence, db: db)
            var outcomes: [ReceiptOutcome] = []
            outcomes.reserveCapacity(receipts.count)
            for receipt in receipts {
                let candidates = try Self.candidates(for: receipt, db: db)
                let decision = self.matcher.withLock { $0.decide(receipt, among: candidates.map(\.candidate)) }
                guard case .match(let index) = decision else {
                    let reason = if case .park(let words) = decision { words } else { "" }
                    try Self.park(receipt, reason: reason, db: db)
                    outcomes.append(.parked(reason: reason))
                    continue
                }
                let (candidate, head, expiresAt) = candidates[index]
                let messageID = candidate.messageID, part = candidate.part
                var event = receipt.event(messageID: messageID, part: part, round: candidate.round, correlatedID: candidate.key)
                var retryAt: Date?
                if retry.mayRetry(event), head.parts.indices.contains(part) {
                    let lastAttempt = try Int.fetchOne(db.cachedStatement(sql: "SELECT MAX(attempt) FROM events WHERE message_id = ?"), arguments: [messageID]) ?? 1
                    (event, retryAt) = retry.decide(event, part: head.parts[part], lastAttempt: lastAttempt, expiresAt: expiresAt)
                }
                outbox.noteSubmission(of: messageID, at: candidate.correlatedAt)
                let inserted = try Self.applyEvents([event], messageID: messageID, head: head, outbox: &outbox, db: db).inserted
                if let price = receipt.price {
                    try Self.keepPrice(price, messageID: messageID, connector: receipt.connector, providerID: candidate.key, at: receipt.receivedAt, db: db)
                }
                if let engagement = EngagementCount.counted(receipt) {
                    try Self.count(engagement, messageID: messageID, at: receipt.occurredAt, db: db)
                }
                if let retryAt, !inserted.isEmpty {
                    try Self.requeue(messageID: messageID, at: retryAt, attempt: event.attempt ?? 1, db: db)
                }
                outcomes.append(inserted.isEmpty ? .duplicate(messageID: messageID) : .applied(messageID: messageID))
            }
            return outcomes
        }
    }

    /// A provider's reported price for one of its messages (the latest report stands).
    static func keepPrice(_ price: ProviderPrice, messageID: String, connector: String, providerID: String, at: Date, db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO provider_prices (message_id, connector, provider_id, amount, currency, category, reported_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (message_id, connector, provider_id) DO UPDATE SET amount = COALESCE(excluded.amount, amount),
                currency = COALESCE(excluded.currency, currency), category = COALESCE(excluded.category, category), reported_at = excluded.reported_at
            """).execute(arguments: [messageID, connector, providerID, price.amount, price.currency, price.category, at.timeIntervalSince1970])
    }

    /// One more open or click of the message (``EngagementCount``).
    static func count(_ engagement: Engagement, messageID: String, at: Date, db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO engagement_counts (message_id, kind, count, first_at, last_at) VALUES (?, ?, 1, ?, ?)
            ON CONFLICT (message_id, kind) DO UPDATE SET count = count + 1, first_at = MIN(first_at, excluded.first_at),
                last_at = MAX(last_at, excluded.last_at)
            """).execute(arguments: [messageID, engagement.rawValue, at.timeIntervalSince1970, at.timeIntervalSince1970])
    }

    public func engagementCounts(messageID: String) async throws -> [EngagementCount] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT kind, count, first_at, last_at FROM engagement_counts WHERE message_id = ? ORDER BY first_at, kind"),
                             arguments: [messageID]).compactMap { row in
                Engagement(rawValue: row[0]).map {
                    EngagementCount(engagement: $0, count: row[1], firstAt: Date(timeIntervalSince1970: row[2]), lastAt: Date(timeIntervalSince1970: row[3]))
                }
            }
        }
    }

    public func providerPrices(messageID: String) async throws -> [ProviderPriceRecord] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT connector, provider_id, amount, currency, category FROM provider_prices WHERE message_id = ? ORDER BY reported_at, provider_id
                """), arguments: [messageID]).map { row in
                ProviderPriceRecord(connector: row[0], providerMessageID: row[1], price: ProviderPrice(amount: row[2], currency: row[3], category: row[4]))
            }
        }
    }

    /// Queues a message again after a temporary-failure receipt; the next claim is attempt `attempt + 1` (the counter
    /// continues).
    static func requeue(messageID: String, at: Date, attempt: Int, db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO queue (message_id, available_at, attempt) VALUES (?, ?, ?)
            ON CONFLICT (message_id) DO UPDATE SET available_at = MIN(available_at, excluded.available_at)
            """).execute(arguments: [messageID, at.timeIntervalSince1970, attempt])
    }

    /// The candidate read for 0...``ReceiptMatcher/maximumMatchKeys`` keys, built once (this runs per receipt).
    static let candidatesSQL = (0...ReceiptMatcher.maximumMatchKeys).map { count in
        """
        SELECT c.provider_id, c.message_id, c.part, c.round, c.correlated_at, c.seq, m.recipient, m.expires_at, \(Head.columnsOfM)
        FROM correlations c JOIN messages m ON m.id = c.message_id
        WHERE c.connector = ? AND c.provider_id IN (\(placeholders(count)))
        ORDER BY c.seq DESC LIMIT 32
        """
    }

    /// `?,?,?` for `count` values (an empty `IN ()` matches nothing, as it should).
    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }

    /// Every stored submission under any of the receipt's match keys, most recent first, with its message's head.
    static func candidates(for receipt: ProviderReceipt, db: Database) throws -> [(candidate: ReceiptMatcher.Candidate, head: Head, expiresAt: Date)] {
        let keys = ReceiptMatcher.lookupKeys(receipt)
        var statement = try RawStatement(db.cachedStatement(sql: candidatesSQL[keys.count]), db: db)
        statement.bind(receipt.connector)
        for key in keys { statement.bind(key) }
        return try statement.rows { row in
            let head = try Head(row, from: 8)
            let key = row.string(0), part = row.int(2)
            let candidate = ReceiptMatcher.Candidate(
                key: key, form: ReceiptMatcher.form(of: key, in: receipt), messageID: row.string(1), part: part, round: row.int(3),
                recipient: row.string(6), correlatedAt: row.optionalDouble(4).map(Date.init(timeIntervalSince1970:)), sequence: row.int64(5),
                state: head.parts.indices.contains(part) ? head.parts[part] : nil
            )
            return (candidate, head, Date(timeIntervalSince1970: row.double(7)))
        }
    }

    public func unmatchedReceipts(connector: String?, limit: Int) async throws -> [UnmatchedReceipt] {
        try await pool.read { db in
            var sql = """
                SELECT id, connector, provider_id, kind, reason, occurred_at, received_at, detail_status, detail_error_code,
                    detail_network_error_code, detail_text, addresses, submitted_at, parked_reason FROM receipts WHERE matched_message_id IS NULL
                """
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let connector { sql += " AND connector = ?"; arguments.append(connector) }
            sql += " ORDER BY received_at DESC LIMIT ?"
            arguments.append(limit)
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).compactMap { row in
                guard let kind = EventKind(rawValue: row[3]) else { return nil }
                return UnmatchedReceipt(id: row[0], receipt: ProviderReceipt(
                    connector: row[1], providerMessageID: row[2], kind: kind,
                    reason: (row[4] as String?).flatMap(ReasonCode.init(rawValue:)),
                    occurredAt: Date(timeIntervalSince1970: row[5]), receivedAt: Date(timeIntervalSince1970: row[6]),
                    detail: Self.detail(row, from: 7), addresses: ReceiptMatcher.addresses(stored: row[11]),
                    submittedAt: (row[12] as Double?).map(Date.init(timeIntervalSince1970:))
                ), reason: row[13])
            }
        }
    }

    public func rematchParked(limit: Int) async throws -> Int {
        // SQLite has one writer: a receipt is parked either before its correlation is written (and matched
        // then) or after (and never parked). The sweep finds nothing here; it is kept for the contract.
        try await ledgerWrite { db, outbox in
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.connector, c.provider_id, c.message_id, c.part, c.round FROM receipts r
                JOIN correlations c ON c.connector = r.connector AND c.provider_id = r.provider_id
                WHERE r.matched_message_id IS NULL AND (r.parked_reason IS NULL OR r.parked_reason NOT LIKE '\(ReceiptMatcher.ambiguous)%')
                  AND (r.parked_reason IS NULL OR instr(r.parked_reason, c.message_id) = 0)
                  AND abs(r.received_at - coalesce(c.correlated_at, r.received_at)) <= \(Int(ReceiptMatcher.submitDateTolerance))
                GROUP BY c.connector, c.provider_id LIMIT ?
                """, arguments: [limit])
            var applied = 0
            for row in rows {
                applied += try Self.insertCorrelation(Correlation(connector: row[0], providerMessageID: row[1], messageID: row[2], part: row[3], round: row[4]),
                                                      outbox: &outbox, db: db, newlyCorrelated: false)
            }
            return applied
        }
    }

    // MARK: Timers

    public func expire(now: Date, limit: Int) async throws -> Int {
        try await ledgerWrite { db, outbox in
            let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT id, \(Head.columns) FROM messages WHERE final = 0 AND expires_at <= ? LIMIT ?"),
                                        arguments: [now.timeIntervalSince1970, limit])
            for row in rows {
                let messageID: String = row[0]
                let event = MessageLedger.expiry(messageID: messageID, now: now)
                try Self.applyEvents([event], messageID: messageID, head: try Head(row, from: 1), outbox: &outbox, db: db)
                try db.cachedStatement(sql: "DELETE FROM queue WHERE message_id = ?").execute(arguments: [messageID])
            }
            return rows.count
        }
    }
}
