import Foundation
import GRDB
import HeraldCore
import HeraldStore

/// Event appends and status derivation inside one write transaction.
extension SQLiteStore {
    struct Applied {
        var parts: [PartState]
        var inserted: [StatusEvent]
    }

    /// Inserts the events that are new (by dedup key), folds them into the part states and writes the
    /// parts and the message aggregate back.
    static func applyEvents(_ events: [StatusEvent], messageID: String, accountID: String, db: Database) throws -> Applied {
        var inserted: [StatusEvent] = []
        for event in events where try insertEvent(event, accountID: accountID, db: db) {
            inserted.append(event)
        }
        var parts = try loadParts(messageID: messageID, db: db)
        guard !inserted.isEmpty, !parts.isEmpty else { return Applied(parts: parts, inserted: inserted) }
        let before = parts
        let aggregate = MessageLedger.apply(inserted, to: &parts)
        for index in parts.indices where parts[index] != before[index] {
            try savePart(parts[index], messageID: messageID, index: index, insert: false, db: db)
        }
        try db.cachedStatement(sql: """
            UPDATE messages SET status = ?, reason = ?, accepted_parts = ?, conflict = ?, engagement = ?, final = ?, updated_at = ?
            WHERE id = ?
            """).execute(arguments: [
                aggregate.status.rawValue, aggregate.reason?.rawValue, aggregate.acceptedParts, aggregate.hasConflict,
                SetCoding.encode(aggregate.engagement), aggregate.status.isFinal, Date().timeIntervalSince1970, messageID,
            ])
        return Applied(parts: parts, inserted: inserted)
    }

    /// Returns false when an event with the same dedup key is already recorded for the message.
    @discardableResult
    static func insertEvent(_ event: StatusEvent, accountID: String, db: Database) throws -> Bool {
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO events (id, message_id, account_id, part, kind, reason, source, occurred_at, recorded_at,
                connector, provider_id, attempt, next_attempt_at, detail, dedup_key)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                event.id, event.messageID, accountID, event.part, event.kind.rawValue, event.reason?.rawValue,
                event.source.rawValue, event.occurredAt.timeIntervalSince1970, event.recordedAt.timeIntervalSince1970,
                event.connector, event.providerMessageID, event.attempt, event.nextAttemptAt?.timeIntervalSince1970,
                DetailCoding.encode(event.detail), event.dedupKey,
            ])
        return db.changesCount > 0
    }

    static func loadParts(messageID: String, db: Database) throws -> [PartState] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM parts WHERE message_id = ? ORDER BY idx"), arguments: [messageID])
            .map { row in
                PartState(
                    status: MessageStatus(rawValue: row["status"]) ?? .queued,
                    reason: (row["reason"] as String?).flatMap(ReasonCode.init(rawValue:)),
                    evidence: Evidence(tier: row["tier"], occurredAt: Date(timeIntervalSince1970: row["evidence_at"]), eventID: row["evidence_event"]),
                    claimedFinals: SetCoding.decode(row["finals"]),
                    wasAcceptedByProvider: row["accepted"],
                    engagement: SetCoding.decode(row["engagement"]),
                    providerMessageID: row["provider_id"],
                    connector: row["connector"]
                )
            }
    }

    static func savePart(_ part: PartState, messageID: String, index: Int, insert: Bool, db: Database) throws {
        let arguments: StatementArguments = [
            part.status.rawValue, part.reason?.rawValue, part.evidence.tier, part.evidence.occurredAt.timeIntervalSince1970,
            part.evidence.eventID, SetCoding.encode(part.claimedFinals), part.wasAcceptedByProvider,
            SetCoding.encode(part.engagement), part.providerMessageID, part.connector, messageID, index,
        ]
        let sql = insert
            ? """
              INSERT INTO parts (status, reason, tier, evidence_at, evidence_event, finals, accepted, engagement, provider_id, connector, message_id, idx)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
              """
            : """
              UPDATE parts SET status = ?, reason = ?, tier = ?, evidence_at = ?, evidence_event = ?, finals = ?, accepted = ?,
                  engagement = ?, provider_id = ?, connector = ? WHERE message_id = ? AND idx = ?
              """
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// Writes a correlation and applies every receipt parked for it.
    static func insertCorrelation(_ correlation: Correlation, db: Database) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO correlations (connector, provider_id, message_id, part) VALUES (?, ?, ?, ?)")
            .execute(arguments: [correlation.connector, correlation.providerMessageID, correlation.messageID, correlation.part])
        let parked = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM receipts WHERE connector = ? AND provider_id = ? AND matched_message_id IS NULL
            """), arguments: [correlation.connector, correlation.providerMessageID])
        guard !parked.isEmpty,
              let accountID = try String.fetchOne(db, sql: "SELECT account_id FROM messages WHERE id = ?", arguments: [correlation.messageID])
        else { return }
        let events = parked.compactMap { row -> StatusEvent? in
            guard let kind = EventKind(rawValue: row["kind"]) else { return nil }
            return ProviderReceipt(
                connector: correlation.connector, providerMessageID: correlation.providerMessageID, kind: kind,
                reason: (row["reason"] as String?).flatMap(ReasonCode.init(rawValue:)),
                occurredAt: Date(timeIntervalSince1970: row["occurred_at"]), receivedAt: Date(timeIntervalSince1970: row["received_at"]),
                detail: DetailCoding.decode(row["detail"])
            ).event(messageID: correlation.messageID, part: correlation.part)
        }
        _ = try applyEvents(events, messageID: correlation.messageID, accountID: accountID, db: db)
        try db.execute(sql: "UPDATE receipts SET matched_message_id = ?, matched_at = ? WHERE connector = ? AND provider_id = ? AND matched_message_id IS NULL",
                       arguments: [correlation.messageID, Date().timeIntervalSince1970, correlation.connector, correlation.providerMessageID])
    }

    static func park(_ receipt: ProviderReceipt, db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO receipts (id, connector, provider_id, kind, reason, occurred_at, received_at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                HeraldID.make(.receipt, at: receipt.receivedAt), receipt.connector, receipt.providerMessageID, receipt.kind.rawValue,
                receipt.reason?.rawValue, receipt.occurredAt.timeIntervalSince1970, receipt.receivedAt.timeIntervalSince1970,
                DetailCoding.encode(receipt.detail),
            ])
    }

    static func messageRecord(_ row: Row) -> MessageRecord {
        MessageRecord(
            id: row["id"], accountID: row["account_id"], channel: Channel(rawValue: row["channel"]) ?? .sms,
            to: row["recipient"], from: row["sender"], subject: row["subject"], text: row["body"], tag: row["tag"],
            status: MessageStatus(rawValue: row["status"]) ?? .queued,
            reason: (row["reason"] as String?).flatMap(ReasonCode.init(rawValue:)),
            segments: row["segments"], encoding: row["encoding"], characters: row["characters"],
            acceptedParts: row["accepted_parts"], priceMicros: row["price_micros"], hasConflict: row["conflict"],
            engagement: SetCoding.decode(row["engagement"]),
            createdAt: Date(timeIntervalSince1970: row["created_at"]), updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
            sendAt: (row["send_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            expiresAt: Date(timeIntervalSince1970: row["expires_at"]), callbackURL: row["callback_url"],
            idempotencyKey: row["idempotency_key"]
        )
    }

    static func event(_ row: Row) -> StatusEvent {
        StatusEvent(
            id: row["id"], messageID: row["message_id"], part: row["part"],
            kind: EventKind(rawValue: row["kind"]) ?? .status(.queued),
            reason: (row["reason"] as String?).flatMap(ReasonCode.init(rawValue:)),
            source: EventSource(rawValue: row["source"]) ?? .api,
            occurredAt: Date(timeIntervalSince1970: row["occurred_at"]), recordedAt: Date(timeIntervalSince1970: row["recorded_at"]),
            connector: row["connector"], providerMessageID: row["provider_id"], attempt: row["attempt"],
            nextAttemptAt: (row["next_attempt_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            detail: DetailCoding.decode(row["detail"]), dedupKey: row["dedup_key"]
        )
    }
}
