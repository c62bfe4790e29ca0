import HeraldMetrics
import Foundation
import GRDB
import HeraldCore
import HeraldStore

/// Event appends and status derivation inside one write transaction. Every statement is cached and rows
/// are read by position: this code runs on SQLite's single writer, the gateway's bottleneck.
extension SQLiteStore {
    /// The message row fields a write needs: to settle its status and cost, and to address the callbacks it owes.
    struct Head {
        var parts: [PartState]
        var holding: Billing.Holding
        var subject: CallbackSubject
        var channel: Channel
        var accountID: String { subject.accountID }

        /// Columns ``init(_:from:)`` reads, in order.
        static let columns = columns(of: "messages")
        /// ``columns`` for queries that alias messages as `m`.
        static let columnsOfM = columns(of: "m")

        static func columns(of table: String) -> String {
            ["account_id", "parts", "reserved_micros", "charged_micros", "price_micros", "recipient", "tag", "campaign_id", "callback_url", "channel"]
                .map { "\(table).\($0)" }.joined(separator: ", ")
        }

        init(subject: CallbackSubject, channel: Channel, parts: [PartState], holding: Billing.Holding) {
            self.subject = subject
            self.channel = channel
            self.parts = parts
            self.holding = holding
        }

        init(_ row: Row, from index: Int) throws {
            parts = try PartStateCoding.decode(row[index + 1])
            holding = Billing.Holding(reserved: row[index + 2], charged: row[index + 3], price: row[index + 4])
            subject = CallbackSubject(accountID: row[index], to: row[index + 5], tag: row[index + 6], campaignID: row[index + 7], callbackURL: row[index + 8])
            channel = Channel(rawValue: row[index + 9]) ?? .sms
        }

        /// The same columns read straight from SQLite (``RawStatement``): once per message on every write.
        init(_ row: RawRow, from index: CInt) throws {
            parts = try PartStateCoding.decode(row.string(index + 1))
            holding = Billing.Holding(reserved: row.isNull(index + 2) ? nil : row.int64(index + 2), charged: row.int64(index + 3), price: row.int64(index + 4))
            subject = CallbackSubject(accountID: row.string(index), to: row.string(index + 5), tag: row.optionalString(index + 6),
                                      campaignID: row.optionalString(index + 7), callbackURL: row.optionalString(index + 8))
            channel = Channel(rawValue: row.string(index + 9)) ?? .sms
        }
    }

    static func head(messageID: String, db: Database) throws -> Head? {
        var statement = try RawStatement(db.cachedStatement(sql: "SELECT \(Head.columns) FROM messages WHERE id = ?"), db: db)
        statement.bind(messageID)
        return try statement.rows { row in try Head(row, from: 0) }.first
    }

    /// Reads the account's webhooks into the outbox once per transaction.
    static func learnWebhooks(of accountID: String, into outbox: inout CallbackOutbox, db: Database) throws {
        guard !outbox.knowsWebhooks(of: accountID) else { return }
        let hooks = try Row.fetchAll(db.cachedStatement(sql: "SELECT \(webhookColumns) FROM webhooks WHERE account_id = ? ORDER BY created_at, id"),
                                     arguments: [accountID]).map(webhook)
        outbox.learn(hooks, of: [accountID])
    }

    /// Inserts the events that are new (by dedup key), folds them into the parts and writes the message row.
    /// Returns the new part states and the events that were new.
    /// The callbacks the new events owe go into `outbox` (written at the end of the transaction).
    @discardableResult
    static func applyEvents(_ events: [StatusEvent], messageID: String, head: Head, outbox: inout CallbackOutbox, db: Database) throws
        -> (parts: [PartState], inserted: [StatusEvent]) {
        var sequences: [Int64] = []
        var inserted: [StatusEvent] = []
        for event in events where try insertEvent(event, accountID: head.accountID, db: db) {
            inserted.append(event)
            sequences.append(db.lastInsertedRowID)
        }
        var parts = head.parts
        guard !inserted.isEmpty, !parts.isEmpty else { return (parts, inserted) }
        let (aggregate, changed, becameFinal) = MessageLedger.fold(inserted, into: &parts)
        if becameFinal {
            let connector = parts.lazy.compactMap(\.connector).first
            HeraldMetrics.final(messageID: messageID, channel: head.channel, status: aggregate.status, reason: aggregate.reason, connector: connector)
            outbox.countFinal(DeliveryStats.row(accountID: head.accountID, messageID: messageID, channel: head.channel, recipient: head.subject.to,
                                                connector: connector, status: aggregate.status, reason: aggregate.reason, finalAt: outbox.now,
                                                submittedAt: outbox.submittedAt[messageID]),
                              campaignID: head.subject.campaignID, status: aggregate.status)
        }
        try learnWebhooks(of: head.accountID, into: &outbox, db: db)
        for index in inserted.indices {
            outbox.owe(inserted[index], changed: changed[index], sequence: sequences[index], subject: head.subject, messageIsFinal: aggregate.status.isFinal)
            if let suppression = BounceSuppression.suppression(for: inserted[index], changed: changed[index], channel: head.channel,
                                                               accountID: head.accountID, recipient: head.subject.to, now: outbox.now) {
                try insertSuppression(suppression, db: db)
            }
        }
        let (holding, balanceDelta) = Billing.settle(head.holding, after: aggregate)
        let detail = MessageLedger.decisiveDetail(inserted, parts: parts)
        var update = try RawStatement(db.cachedStatement(sql: """
            UPDATE messages SET status = ?, reason = ?, accepted_parts = ?, conflict = ?, engagement = ?, final = ?, updated_at = ?, parts = ?,
                reserved_micros = ?, charged_micros = ?,
                provider_status = CASE WHEN ? THEN ? ELSE provider_status END, provider_error = CASE WHEN ? THEN ? ELSE provider_error END
            WHERE id = ?
            """), db: db)
        update.bind(aggregate.status.rawValue)
        update.bind(aggregate.reason?.rawValue)
        update.bind(aggregate.billedSegments)
        update.bind(aggregate.hasConflict)
        update.bind(SetCoding.encode(aggregate.engagement))
        update.bind(aggregate.status.isFinal)
        update.bind(Date().timeIntervalSince1970)
        update.bind(PartStateCoding.encode(parts))
        update.bind(holding.reserved)
        update.bind(holding.charged)
        update.bind(detail != nil)
        update.bind(detail?.status)
        update.bind(detail != nil)
        update.bind(detail?.errorCode)
        update.bind(messageID)
        try update.run()
        if balanceDelta != 0 {
            try db.cachedStatement(sql: "UPDATE accounts SET balance_micros = balance_micros + ? WHERE id = ? AND balance_micros IS NOT NULL")
                .execute(arguments: [balanceDelta, head.accountID])
        }
        return (parts, inserted)
    }

    static let eventInsert = MultiRowInsert("""
        INSERT OR IGNORE INTO events (id, message_id, account_id, part, kind, reason, source, occurred_at, recorded_at,
            connector, provider_id, attempt, next_attempt_at, detail_status, detail_error_code, detail_network_error_code,
            detail_text, dedup_key, round) VALUES
        """, columns: 19)
    private static let insertEventSQL = eventInsert.head + " (" + Array(repeating: "?", count: eventInsert.columns).joined(separator: ",") + ")"

    /// Returns false when an event with the same dedup key is already recorded for the message.
    @discardableResult
    static func insertEvent(_ event: StatusEvent, accountID: String, db: Database) throws -> Bool {
        var statement = try RawStatement(db.cachedStatement(sql: insertEventSQL), db: db)
        bindEvent(event, accountID: accountID, to: &statement)
        return try statement.run() > 0
    }

    /// Binds the ``eventInsert`` columns of one event.
    static func bindEvent(_ event: StatusEvent, accountID: String, to statement: inout RawStatement) {
        statement.bind(event.id)
        statement.bind(event.messageID)
        statement.bind(accountID)
        statement.bind(event.part)
        statement.bind(event.kind.rawValue)
        statement.bind(event.reason?.rawValue)
        statement.bind(event.source.rawValue)
        statement.bind(event.occurredAt.timeIntervalSince1970)
        statement.bind(event.recordedAt.timeIntervalSince1970)
        statement.bind(event.connector)
        statement.bind(event.providerMessageID)
        statement.bind(event.attempt)
        statement.bind(event.nextAttemptAt?.timeIntervalSince1970)
        statement.bind(event.detail?.status)
        statement.bind(event.detail?.errorCode)
        statement.bind(event.detail?.networkErrorCode)
        statement.bind(event.detail?.text)
        statement.bind(event.dedupKey)
        statement.bind(event.round)
    }

    /// The parked-receipt read for 0...``ReceiptMatcher/maximumMatchKeys`` keys, built once (this runs per accepted part).
    static let parkedSQL = (0...ReceiptMatcher.maximumMatchKeys).map { count in
        """
        SELECT kind, reason, occurred_at, received_at, detail_status, detail_error_code, detail_network_error_code, detail_text, id, addresses, submitted_at,
            price_amount, price_currency, price_category
        FROM receipts WHERE \(parkedCondition(count))
        """
    }

    /// Whether ``parkedSQL`` would find a row.
    static let parkedProbeSQL = (0...ReceiptMatcher.maximumMatchKeys).map { count in "SELECT 1 FROM receipts WHERE \(parkedCondition(count)) LIMIT 1" }

    /// Receipts parked under the connector and `count` ids that may still be applied (not matched, not ambiguous).
    private static func parkedCondition(_ count: Int) -> String {
        """
        connector = ? AND provider_id IN (\(placeholders(count))) AND matched_message_id IS NULL
            AND (parked_reason IS NULL OR parked_reason NOT LIKE '\(ReceiptMatcher.ambiguous)%')
        """
    }

    /// Writes a correlation and applies every receipt parked for it that fits its message (the receipt matcher's
    /// destination rule). `newlyCorrelated` false: the correlation exists (the re-match sweep), only the parked part runs.
    /// Returns how many parked receipts it applied.
    @discardableResult
    static func insertCorrelation(_ correlation: Correlation, outbox: inout CallbackOutbox, db: Database, newlyCorrelated: Bool = true,
                                  retry: ReceiptRetry = .none) throws -> Int {
        if newlyCorrelated {
            var insert = try RawStatement(db.cachedStatement(sql: """
                INSERT OR IGNORE INTO correlations (connector, provider_id, message_id, part, round, correlated_at) VALUES (?, ?, ?, ?, ?, ?)
                """), db: db)
            insert.bind(correlation.connector)
            insert.bind(correlation.providerMessageID)
            insert.bind(correlation.messageID)
            insert.bind(correlation.part)
            insert.bind(correlation.round)
            insert.bind(correlation.correlatedAt?.timeIntervalSince1970)
            try insert.run()
        }
        let keys = Array(correlation.matchKeys.prefix(ReceiptMatcher.maximumMatchKeys))
        // Nearly always nothing is parked: probed through the C API, GRDB's rows only for what was found.
        var probe = try RawStatement(db.cachedStatement(sql: parkedProbeSQL[keys.count]), db: db)
        probe.bind(correlation.connector)
        for key in keys { probe.bind(key) }
        guard try !probe.rows({ _ in true }).isEmpty else { return 0 }
        var arguments: [(any DatabaseValueConvertible)?] = [correlation.connector]
        arguments += keys.map { $0 as (any DatabaseValueConvertible)? }
        let parked = try Row.fetchAll(db.cachedStatement(sql: parkedSQL[keys.count]), arguments: StatementArguments(arguments))
        guard !parked.isEmpty, let head = try head(messageID: correlation.messageID, db: db) else { return 0 }
        let recipient = head.subject.to
        var matched: [String] = []
        var prices: [(ProviderPrice, Date)] = []
        var events = parked.compactMap { row -> StatusEvent? in
            guard let kind = EventKind(rawValue: row[0]),
                  ReceiptMatcher.parkedFits(addresses: ReceiptMatcher.addresses(stored: row[9]), submittedAt: (row[10] as Double?).map(Date.init(timeIntervalSince1970:)),
                                            receivedAt: Date(timeIntervalSince1970: row[3]), recipient: recipient, correlatedAt: correlation.correlatedAt)
            else { return nil }
            matched.append(row[8])
            let price = ProviderPrice(amount: row[11], currency: row[12], category: row[13])
            if price != ProviderPrice() { prices.append((price, Date(timeIntervalSince1970: row[3]))) }
            return ProviderReceipt(
                connector: correlation.connector, providerMessageID: correlation.providerMessageID, kind: kind,
                reason: (row[1] as String?).flatMap(ReasonCode.init(rawValue:)),
                occurredAt: Date(timeIntervalSince1970: row[2]), receivedAt: Date(timeIntervalSince1970: row[3]),
                detail: detail(row, from: 4)
            ).event(messageID: correlation.messageID, part: correlation.part, round: correlation.round, correlatedID: correlation.providerMessageID)
        }
        guard !events.isEmpty else { return 0 }
        // Retried as it would have been had it come after the submit response.
        var retryAt: Date?, lastAttempt = 1
        if events.contains(where: retry.mayRetry) {
            lastAttempt = try Int.fetchOne(db.cachedStatement(sql: "SELECT MAX(attempt) FROM events WHERE message_id = ?"), arguments: [correlation.messageID]) ?? 1
            let expiresAt = try Double.fetchOne(db.cachedStatement(sql: "SELECT expires_at FROM messages WHERE id = ?"), arguments: [correlation.messageID])
                .map(Date.init(timeIntervalSince1970:)) ?? .distantPast
            for index in events.indices where retry.mayRetry(events[index]) {
                guard let part = events[index].part, head.parts.indices.contains(part) else { continue }
                let (event, at) = retry.decide(events[index], part: head.parts[part], lastAttempt: lastAttempt, expiresAt: expiresAt)
                events[index] = event
                if let at { retryAt = min(at, retryAt ?? at) }
            }
        }
        outbox.noteSubmission(of: correlation.messageID, at: correlation.correlatedAt)
        let inserted = try applyEvents(events, messageID: correlation.messageID, head: head, outbox: &outbox, db: db).inserted
        for (price, at) in prices {
            try keepPrice(price, messageID: correlation.messageID, connector: correlation.connector, providerID: correlation.providerMessageID, at: at, db: db)
        }
        if let retryAt, inserted.contains(where: { $0.kind == .status(.deferred) && $0.source == .receipt }) {
            try requeue(messageID: correlation.messageID, at: retryAt, attempt: lastAttempt, db: db)
        }
        let now = Date().timeIntervalSince1970
        for id in matched {
            try db.cachedStatement(sql: "UPDATE receipts SET matched_message_id = ?, matched_at = ? WHERE id = ?")
                .execute(arguments: [correlation.messageID, now, id])
        }
        return matched.count
    }

    static func park(_ receipt: ProviderReceipt, reason: String, db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO receipts (id, connector, provider_id, kind, reason, occurred_at, received_at, detail_status, detail_error_code,
                detail_network_error_code, detail_text, addresses, submitted_at, parked_reason, price_amount, price_currency, price_category)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                HeraldID.make(.receipt, at: receipt.receivedAt), receipt.connector, receipt.providerMessageID, receipt.kind.rawValue,
                receipt.reason?.rawValue, receipt.occurredAt.timeIntervalSince1970, receipt.receivedAt.timeIntervalSince1970,
                receipt.detail?.status, receipt.detail?.errorCode, receipt.detail?.networkErrorCode, receipt.detail?.text,
                ReceiptMatcher.storedAddresses(receipt.addresses), receipt.submittedAt?.timeIntervalSince1970, reason,
                receipt.price?.amount, receipt.price?.currency, receipt.price?.category,
            ])
    }

    /// Provider detail from four consecutive columns.
    static func detail(_ row: Row, from index: Int) -> ProviderDetail? {
        let status: String? = row[index], error: String? = row[index + 1], network: String? = row[index + 2], text: String? = row[index + 3]
        if status == nil, error == nil, network == nil, text == nil { return nil }
        return ProviderDetail(status: status, errorCode: error, networkErrorCode: network, text: text)
    }

    /// A message row read with ``MessageColumns/list``.
    static func messageRecord(_ row: Row) throws -> (MessageRecord, [PartState]) {
        guard let channel = Channel(rawValue: row[2]), let status = MessageStatus(rawValue: row[8]) else {
            throw StoreError.corruptRow("message \(row[0] as String)")
        }
        // NULL when read with MessageColumns.summary (no part states).
        let parts = try (row[23] as String?).map(PartStateCoding.decode) ?? []
        var record = MessageRecord(
            id: row[0], accountID: row[1], channel: channel, to: row[3], from: row[4], subject: row[5], text: row[6], tag: row[7],
            status: status, reason: (row[9] as String?).flatMap(ReasonCode.init(rawValue:)),
            segments: row[10], encoding: row[11], characters: row[12], billedSegments: row[13], priceMicros: row[14], hasConflict: row[15],
            engagement: SetCoding.decode(row[16] as String), createdAt: Date(timeIntervalSince1970: row[17]),
            updatedAt: Date(timeIntervalSince1970: row[18]), sendAt: (row[19] as Double?).map(Date.init(timeIntervalSince1970:)),
            expiresAt: Date(timeIntervalSince1970: row[20]), callbackURL: row[21], idempotencyKey: row[22], parts: parts
        )
        record.reservedMicros = row[24]
        record.chargedMicros = row[25]
        record.providerStatus = row[26]
        record.providerError = row[27]
        record.campaignID = row[28]
        if status == .deferred { record.nextAttemptAt = (row[29] as Double?).map(Date.init(timeIntervalSince1970:)) }
        record.html = row[30]
        record.replyTo = row[31]
        record.messageOptions = MessageOptionsCoding.decode(row[32])
        return (record, parts)
    }

    /// An event row read with ``EventColumns/list``.
    static func event(_ row: Row) throws -> StatusEvent {
        guard let kind = EventKind(rawValue: row[3]), let source = EventSource(rawValue: row[5]) else {
            throw StoreError.corruptRow("event \(row[0] as String)")
        }
        return StatusEvent(
            id: row[0], messageID: row[1], part: row[2], kind: kind, reason: (row[4] as String?).flatMap(ReasonCode.init(rawValue:)),
            source: source, occurredAt: Date(timeIntervalSince1970: row[6]), recordedAt: Date(timeIntervalSince1970: row[7]),
            connector: row[8], providerMessageID: row[9], attempt: row[10],
            nextAttemptAt: (row[11] as Double?).map(Date.init(timeIntervalSince1970:)), detail: detail(row, from: 12), dedupKey: row[16],
            round: row[17]
        )
    }
}
