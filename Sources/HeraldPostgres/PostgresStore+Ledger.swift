import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

/// Event appends and status derivation inside one transaction.
extension PostgresStore {
    struct Head {
        var accountID: String
        var parts: [PartState]
    }

    /// The message row fields a write needs, locked until the transaction ends so concurrent writers to one
    /// message (a receipt and a dispatch outcome) serialise.
    func head(messageID: String, connection: PostgresConnection) async throws -> Head? {
        let rows = try await connection.query("SELECT account_id, parts FROM messages WHERE id = \(messageID) FOR UPDATE", logger: logger)
        for try await (accountID, parts) in rows.decode((String, String).self) {
            return Head(accountID: accountID, parts: try PartStateCoding.decode(parts))
        }
        return nil
    }

    @discardableResult
    func applyEvents(_ events: [StatusEvent], messageID: String, head: Head, connection: PostgresConnection) async throws -> (parts: [PartState], inserted: [StatusEvent]) {
        var inserted: [StatusEvent] = []
        for event in events where try await insertEvent(event, accountID: head.accountID, connection: connection) {
            inserted.append(event)
        }
        var parts = head.parts
        guard !inserted.isEmpty, !parts.isEmpty else { return (parts, inserted) }
        let aggregate = MessageLedger.apply(inserted, to: &parts)
        try await connection.query("""
            UPDATE messages SET status = \(aggregate.status.rawValue), reason = \(aggregate.reason?.rawValue), accepted_parts = \(aggregate.acceptedParts),
                conflict = \(aggregate.hasConflict), engagement = \(SetCoding.encode(aggregate.engagement)), final = \(aggregate.status.isFinal),
                updated_at = \(Date()), parts = \(PartStateCoding.encode(parts)) WHERE id = \(messageID)
            """, logger: logger)
        return (parts, inserted)
    }

    @discardableResult
    func insertEvent(_ event: StatusEvent, accountID: String, connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("""
            INSERT INTO events (id, message_id, account_id, part, kind, reason, source, occurred_at, recorded_at, connector, provider_id,
                attempt, next_attempt_at, detail_status, detail_error_code, detail_network_error_code, detail_text, dedup_key)
            VALUES (\(event.id), \(event.messageID), \(accountID), \(event.part), \(event.kind.rawValue), \(event.reason?.rawValue),
                \(event.source.rawValue), \(event.occurredAt), \(event.recordedAt), \(event.connector), \(event.providerMessageID),
                \(event.attempt), \(event.nextAttemptAt), \(event.detail?.status), \(event.detail?.errorCode), \(event.detail?.networkErrorCode),
                \(event.detail?.text), \(event.dedupKey))
            ON CONFLICT (message_id, dedup_key) DO NOTHING RETURNING seq
            """, logger: logger)
        var inserted = false
        for try await _ in rows { inserted = true }
        return inserted
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
            RETURNING kind, reason, occurred_at, received_at, detail_status, detail_error_code, detail_network_error_code, detail_text
            """, logger: logger)
        var events: [StatusEvent] = []
        for try await (kind, reason, occurred, received, status, error, network, text)
            in rows.decode((String, String?, Date, Date, String?, String?, String?, String?).self) {
            guard let kind = EventKind(rawValue: kind) else { continue }
            events.append(ProviderReceipt(
                connector: correlation.connector, providerMessageID: correlation.providerMessageID, kind: kind,
                reason: reason.flatMap(ReasonCode.init(rawValue:)), occurredAt: occurred, receivedAt: received,
                detail: Self.detail(status, error, network, text)
            ).event(messageID: correlation.messageID, part: correlation.part))
        }
        guard !events.isEmpty, let head = try await head(messageID: correlation.messageID, connection: connection) else { return }
        try await applyEvents(events, messageID: correlation.messageID, head: head, connection: connection)
    }

    func park(_ receipt: ProviderReceipt, connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO receipts (id, connector, provider_id, kind, reason, occurred_at, received_at, detail_status, detail_error_code,
                detail_network_error_code, detail_text)
            VALUES (\(HeraldID.make(.receipt, at: receipt.receivedAt)), \(receipt.connector), \(receipt.providerMessageID), \(receipt.kind.rawValue),
                \(receipt.reason?.rawValue), \(receipt.occurredAt), \(receipt.receivedAt), \(receipt.detail?.status), \(receipt.detail?.errorCode),
                \(receipt.detail?.networkErrorCode), \(receipt.detail?.text))
            """, logger: logger)
    }

    static func detail(_ status: String?, _ error: String?, _ network: String?, _ text: String?) -> ProviderDetail? {
        if status == nil, error == nil, network == nil, text == nil { return nil }
        return ProviderDetail(status: status, errorCode: error, networkErrorCode: network, text: text)
    }

    /// A row read with ``MessageColumns/list``.
    static func messageRecord(_ row: PostgresRow) throws -> (MessageRecord, [PartState]) {
        let r = try row.decode((String, String, String, String, String?, String?, String, String?, String, String?, Int, String?, Int, Int,
                                Int64, Bool, String, Date, Date, Date?, Date, String?, String?, String).self)
        guard let channel = Channel(rawValue: r.2), let status = MessageStatus(rawValue: r.8) else { throw StoreError.corruptRow("message \(r.0)") }
        let record = MessageRecord(
            id: r.0, accountID: r.1, channel: channel, to: r.3, from: r.4, subject: r.5, text: r.6, tag: r.7, status: status,
            reason: r.9.flatMap(ReasonCode.init(rawValue:)), segments: r.10, encoding: r.11, characters: r.12, acceptedParts: r.13,
            priceMicros: r.14, hasConflict: r.15, engagement: SetCoding.decode(r.16), createdAt: r.17, updatedAt: r.18, sendAt: r.19,
            expiresAt: r.20, callbackURL: r.21, idempotencyKey: r.22
        )
        return (record, try PartStateCoding.decode(r.23))
    }

    /// A row read with ``EventColumns/list``.
    static func event(_ row: PostgresRow) throws -> StatusEvent {
        let r = try row.decode((String, String, Int?, String, String?, String, Date, Date, String?, String?, Int?, Date?,
                                String?, String?, String?, String?, String).self)
        guard let kind = EventKind(rawValue: r.3), let source = EventSource(rawValue: r.5) else { throw StoreError.corruptRow("event \(r.0)") }
        return StatusEvent(
            id: r.0, messageID: r.1, part: r.2, kind: kind, reason: r.4.flatMap(ReasonCode.init(rawValue:)), source: source,
            occurredAt: r.6, recordedAt: r.7, connector: r.8, providerMessageID: r.9, attempt: r.10, nextAttemptAt: r.11,
            detail: detail(r.12, r.13, r.14, r.15), dedupKey: r.16
        )
    }
}
