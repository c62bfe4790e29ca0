import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

/// Event appends and status derivation inside one transaction.
extension PostgresStore {
    struct Applied {
        var parts: [PartState]
        var inserted: [StatusEvent]
    }

    static let messageColumns = """
        id, account_id, channel, recipient, sender, subject, body, tag, status, reason, segments, encoding, characters, accepted_parts,
        price_micros, conflict, engagement, created_at, updated_at, send_at, expires_at, callback_url, idempotency_key
        """

    static let eventColumns = """
        id, message_id, part, kind, reason, source, occurred_at, recorded_at, connector, provider_id, attempt, next_attempt_at, detail, dedup_key
        """

    func applyEvents(_ events: [StatusEvent], messageID: String, accountID: String, connection: PostgresConnection) async throws -> Applied {
        var inserted: [StatusEvent] = []
        for event in events where try await insertEvent(event, accountID: accountID, connection: connection) {
            inserted.append(event)
        }
        var parts = try await loadParts(messageID: messageID, connection: connection, lock: true)
        guard !inserted.isEmpty, !parts.isEmpty else { return Applied(parts: parts, inserted: inserted) }
        let before = parts
        let aggregate = MessageLedger.apply(inserted, to: &parts)
        for index in parts.indices where parts[index] != before[index] {
            try await savePart(parts[index], messageID: messageID, index: index, insert: false, connection: connection)
        }
        try await connection.query("""
            UPDATE messages SET status = \(aggregate.status.rawValue), reason = \(aggregate.reason?.rawValue), accepted_parts = \(aggregate.acceptedParts),
                conflict = \(aggregate.hasConflict), engagement = \(SetCoding.encode(aggregate.engagement)), final = \(aggregate.status.isFinal),
                updated_at = \(Date()) WHERE id = \(messageID)
            """, logger: logger)
        return Applied(parts: parts, inserted: inserted)
    }

    @discardableResult
    func insertEvent(_ event: StatusEvent, accountID: String, connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("""
            INSERT INTO events (id, message_id, account_id, part, kind, reason, source, occurred_at, recorded_at, connector, provider_id,
                attempt, next_attempt_at, detail, dedup_key)
            VALUES (\(event.id), \(event.messageID), \(accountID), \(event.part), \(event.kind.rawValue), \(event.reason?.rawValue),
                \(event.source.rawValue), \(event.occurredAt), \(event.recordedAt), \(event.connector), \(event.providerMessageID),
                \(event.attempt), \(event.nextAttemptAt), \(DetailCoding.encode(event.detail)), \(event.dedupKey))
            ON CONFLICT (message_id, dedup_key) DO NOTHING RETURNING seq
            """, logger: logger)
        var inserted = false
        for try await _ in rows { inserted = true }
        return inserted
    }

    /// The part states of a message; `lock` takes row locks so concurrent writers to one message serialise.
    func loadParts(messageID: String, connection: PostgresConnection, lock: Bool = false) async throws -> [PartState] {
        let rows = try await connection.query("""
            SELECT status, reason, tier, evidence_at, evidence_event, finals, accepted, engagement, provider_id, connector
            FROM parts WHERE message_id = \(messageID) ORDER BY idx \(unescaped: lock ? "FOR UPDATE" : "")
            """, logger: logger)
        var parts: [PartState] = []
        for try await (status, reason, tier, at, event, finals, accepted, engagement, providerID, connector)
            in rows.decode((String, String?, Int, Date, String, String, Bool, String, String?, String?).self) {
            parts.append(PartState(
                status: MessageStatus(rawValue: status) ?? .queued, reason: reason.flatMap(ReasonCode.init(rawValue:)),
                evidence: Evidence(tier: tier, occurredAt: at, eventID: event), claimedFinals: SetCoding.decode(finals),
                wasAcceptedByProvider: accepted, engagement: SetCoding.decode(engagement), providerMessageID: providerID, connector: connector
            ))
        }
        return parts
    }

    func savePart(_ part: PartState, messageID: String, index: Int, insert: Bool, connection: PostgresConnection) async throws {
        if insert {
            try await connection.query("""
                INSERT INTO parts (message_id, idx, status, reason, tier, evidence_at, evidence_event, finals, accepted, engagement, provider_id, connector)
                VALUES (\(messageID), \(index), \(part.status.rawValue), \(part.reason?.rawValue), \(part.evidence.tier), \(part.evidence.occurredAt),
                    \(part.evidence.eventID), \(SetCoding.encode(part.claimedFinals)), \(part.wasAcceptedByProvider),
                    \(SetCoding.encode(part.engagement)), \(part.providerMessageID), \(part.connector))
                """, logger: logger)
        } else {
            try await connection.query("""
                UPDATE parts SET status = \(part.status.rawValue), reason = \(part.reason?.rawValue), tier = \(part.evidence.tier),
                    evidence_at = \(part.evidence.occurredAt), evidence_event = \(part.evidence.eventID), finals = \(SetCoding.encode(part.claimedFinals)),
                    accepted = \(part.wasAcceptedByProvider), engagement = \(SetCoding.encode(part.engagement)),
                    provider_id = \(part.providerMessageID), connector = \(part.connector)
                WHERE message_id = \(messageID) AND idx = \(index)
                """, logger: logger)
        }
    }

    /// Writes a correlation and applies every receipt parked for it.
    func insertCorrelation(_ correlation: Correlation, connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO correlations (connector, provider_id, message_id, part)
            VALUES (\(correlation.connector), \(correlation.providerMessageID), \(correlation.messageID), \(correlation.part)) ON CONFLICT DO NOTHING
            """, logger: logger)
        let rows = try await connection.query("""
            UPDATE receipts SET matched_message_id = \(correlation.messageID), matched_at = \(Date())
            WHERE connector = \(correlation.connector) AND provider_id = \(correlation.providerMessageID) AND matched_message_id IS NULL
            RETURNING kind, reason, occurred_at, received_at, detail
            """, logger: logger)
        var events: [StatusEvent] = []
        for try await (kind, reason, occurred, received, detail) in rows.decode((String, String?, Date, Date, String?).self) {
            guard let kind = EventKind(rawValue: kind) else { continue }
            events.append(ProviderReceipt(
                connector: correlation.connector, providerMessageID: correlation.providerMessageID, kind: kind,
                reason: reason.flatMap(ReasonCode.init(rawValue:)), occurredAt: occurred, receivedAt: received, detail: DetailCoding.decode(detail)
            ).event(messageID: correlation.messageID, part: correlation.part))
        }
        guard !events.isEmpty else { return }
        var accountID: String?
        for try await id in try await connection.query("SELECT account_id FROM messages WHERE id = \(correlation.messageID)", logger: logger).decode(String.self) {
            accountID = id
        }
        guard let accountID else { return }
        _ = try await applyEvents(events, messageID: correlation.messageID, accountID: accountID, connection: connection)
    }

    func park(_ receipt: ProviderReceipt, connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO receipts (id, connector, provider_id, kind, reason, occurred_at, received_at, detail)
            VALUES (\(HeraldID.make(.receipt, at: receipt.receivedAt)), \(receipt.connector), \(receipt.providerMessageID), \(receipt.kind.rawValue),
                \(receipt.reason?.rawValue), \(receipt.occurredAt), \(receipt.receivedAt), \(DetailCoding.encode(receipt.detail)))
            """, logger: logger)
    }

    static func messageRecord(_ row: PostgresRow) throws -> MessageRecord {
        let r = try row.decode((String, String, String, String, String?, String?, String, String?, String, String?, Int, String?, Int, Int,
                                Int64, Bool, String, Date, Date, Date?, Date, String?, String?).self)
        let (id, accountID, channel, recipient, sender, subject, body, tag, status, reason) = (r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9)
        let (segments, encoding, characters, acceptedParts) = (r.10, r.11, r.12, r.13)
        let rest = r
        return MessageRecord(
            id: id, accountID: accountID, channel: Channel(rawValue: channel) ?? .sms, to: recipient, from: sender, subject: subject,
            text: body, tag: tag, status: MessageStatus(rawValue: status) ?? .queued, reason: reason.flatMap(ReasonCode.init(rawValue:)),
            segments: segments, encoding: encoding, characters: characters, acceptedParts: acceptedParts, priceMicros: rest.14,
            hasConflict: rest.15, engagement: SetCoding.decode(rest.16), createdAt: rest.17, updatedAt: rest.18, sendAt: rest.19,
            expiresAt: rest.20, callbackURL: rest.21, idempotencyKey: rest.22
        )
    }

    static func event(_ row: PostgresRow) throws -> StatusEvent {
        let (id, messageID, part, kind, reason, source, occurred, recorded, connector, providerID, attempt, next, detail, dedup)
            = try row.decode((String, String, Int?, String, String?, String, Date, Date, String?, String?, Int?, Date?, String?, String).self)
        return StatusEvent(
            id: id, messageID: messageID, part: part, kind: EventKind(rawValue: kind) ?? .status(.queued),
            reason: reason.flatMap(ReasonCode.init(rawValue:)), source: EventSource(rawValue: source) ?? .api, occurredAt: occurred,
            recordedAt: recorded, connector: connector, providerMessageID: providerID, attempt: attempt, nextAttemptAt: next,
            detail: DetailCoding.decode(detail), dedupKey: dedup
        )
    }
}
