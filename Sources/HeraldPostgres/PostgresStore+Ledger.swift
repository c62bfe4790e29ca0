import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

/// Event appends and status derivation inside one transaction.
extension PostgresStore {
    struct Head {
        var parts: [PartState]
        var holding: Billing.Holding
        var subject: CallbackSubject
        var channel: HeraldCore.Channel
        var accountID: String { subject.accountID }

        init(subject: CallbackSubject, channel: HeraldCore.Channel, parts: [PartState], holding: Billing.Holding) {
            self.subject = subject
            self.channel = channel
            self.parts = parts
            self.holding = holding
        }

        /// Columns ``decode(_:)`` reads after the message id, in order.
        static let columns = "account_id, parts, reserved_micros, charged_micros, price_micros, recipient, tag, campaign_id, callback_url, channel"

        /// A row of `id` followed by ``columns``.
        static func decode(_ row: PostgresRow) throws -> (String, Head) {
            let (id, accountID, parts, reserved, charged, price, recipient, tag, campaignID, callbackURL, channel) =
                try row.decode((String, String, String, Int64?, Int64, Int64, String, String?, String?, String?, String).self)
            return (id, Head(subject: CallbackSubject(accountID: accountID, to: recipient, tag: tag, campaignID: campaignID, callbackURL: callbackURL),
                             channel: HeraldCore.Channel(rawValue: channel) ?? .sms,
                             parts: try PartStateCoding.decode(parts), holding: Billing.Holding(reserved: reserved, charged: charged, price: price)))
        }
    }

    /// One write transaction that may record events: its connection, and the callbacks its events owe.
    final class LedgerTransaction {
        let connection: LiveConnection
        var outbox: CallbackOutbox

        init(connection: LiveConnection, outbox: CallbackOutbox) {
            self.connection = connection
            self.outbox = outbox
        }
    }

    /// A transaction that may record events: the callbacks they owe (``CallbackOutbox``) are stored before the commit
    /// and handed to this process's sender after it.
    func ledgerTransaction<T: Sendable>(_ body: @escaping (LedgerTransaction) async throws -> T) async throws -> T {
        let handoff = deliveryHandoff
        let (result, deliveries) = try await transaction { connection in
            let now = Date()
            let transaction = LedgerTransaction(connection: connection, outbox: CallbackOutbox(now: now, leaseUntil: handoff.leaseUntil(now: now)))
            let result = try await body(transaction)
            let deliveries = transaction.outbox.deliveries
            try await self.insertDeliveries(deliveries, connection: connection)
            try await self.addStats(Array(transaction.outbox.stats.values), connection: connection)
            try await self.addProgress(transaction.outbox.progress, connection: connection)
            return (result, deliveries)
        }
        handoff.deliver(deliveries)
        return result
    }

    /// Reads the webhooks of accounts the transaction has not seen yet (one query).
    func learnWebhooks(of accountIDs: [String], into transaction: LedgerTransaction, connection: LiveConnection) async throws {
        let unknown = transaction.outbox.unknownAccounts(accountIDs)
        guard !unknown.isEmpty else { return }
        transaction.outbox.learn(try await webhooks(accountIDs: unknown, connection: connection), of: unknown)
    }

    /// Parks receipts that match no correlation yet, or none they fit (one statement), each with why.
    func park(_ receipts: [(ProviderReceipt, String)], connection: LiveConnection) async throws {
        guard !receipts.isEmpty else { return }
        var c = (ids: [String](), connectors: [String](), providerIDs: [String](), kinds: [String](), reasons: [String](), occurred: [Date](),
                 received: [Date](), statuses: [String](), errors: [String](), networks: [String](), texts: [String](), addresses: [String](),
                 submitted: [Date](), why: [String](), keys: [String](), prices: [String]())
        for (receipt, why) in receipts {
            c.ids.append(HeraldID.make(.receipt, at: receipt.receivedAt))
            c.connectors.append(receipt.connector)
            c.providerIDs.append(receipt.providerMessageID)
            c.kinds.append(receipt.kind.rawValue)
            c.reasons.append(receipt.reason?.rawValue ?? "")
            c.occurred.append(receipt.occurredAt)
            c.received.append(receipt.receivedAt)
            c.statuses.append(receipt.detail?.status ?? "")
            c.errors.append(receipt.detail?.errorCode ?? "")
            c.networks.append(receipt.detail?.networkErrorCode ?? "")
            c.texts.append(receipt.detail?.text ?? "")
            c.addresses.append(ReceiptMatcher.storedAddresses(receipt.addresses) ?? "")
            c.submitted.append(receipt.submittedAt ?? Date(timeIntervalSince1970: 0))
            c.why.append(why)
            c.prices.append([receipt.price?.amount ?? "", receipt.price?.currency ?? "", receipt.price?.category ?? ""].joined(separator: "\u{1F}"))
            // Blank-separated (ids never hold blanks: the connector trims them); split back into an array below.
            c.keys.append(ReceiptMatcher.lookupKeys(receipt).joined(separator: " "))
        }
        try await connection.query("""
            INSERT INTO receipts (id, connector, provider_id, kind, reason, occurred_at, received_at, detail_status, detail_error_code,
                detail_network_error_code, detail_text, addresses, submitted_at, parked_reason, match_keys, price_amount, price_currency, price_category)
            SELECT u.id, u.connector, u.provider_id, u.kind, NULLIF(u.reason, ''), u.occurred, u.received, NULLIF(u.ds, ''), NULLIF(u.de, ''),
                NULLIF(u.dn, ''), NULLIF(u.dt, ''), NULLIF(u.addresses, ''), NULLIF(u.submitted, 'epoch'::timestamptz), u.why, string_to_array(u.keys, ' '),
                NULLIF(split_part(u.price, E'\\x1F', 1), ''), NULLIF(split_part(u.price, E'\\x1F', 2), ''), NULLIF(split_part(u.price, E'\\x1F', 3), '')
            FROM unnest(\(c.ids)::text[], \(c.connectors)::text[], \(c.providerIDs)::text[], \(c.kinds)::text[], \(c.reasons)::text[],
                \(c.occurred)::timestamptz[], \(c.received)::timestamptz[], \(c.statuses)::text[], \(c.errors)::text[], \(c.networks)::text[],
                \(c.texts)::text[], \(c.addresses)::text[], \(c.submitted)::timestamptz[], \(c.why)::text[], \(c.keys)::text[], \(c.prices)::text[])
                AS u(id, connector, provider_id, kind, reason, occurred, received, ds, de, dn, dt, addresses, submitted, why, keys, price)
            """, logger: logger)
    }

    static func detail(_ status: String?, _ error: String?, _ network: String?, _ text: String?) -> ProviderDetail? {
        if status == nil, error == nil, network == nil, text == nil { return nil }
        return ProviderDetail(status: status, errorCode: error, networkErrorCode: network, text: text)
    }

    /// A row read with ``MessageColumns/list``.
    static func messageRecord(_ row: PostgresRow) throws -> (MessageRecord, [PartState]) {
        let r = try row.decode((String, String, String, String, String?, String?, String, String?, String, String?, Int, String?, Int, Int,
                                Int64, Bool, String, Date, Date, Date?, Date, String?, String?, String?, Int64?, Int64, String?, String?, String?).self)
        guard let channel = Channel(rawValue: r.2), let status = MessageStatus(rawValue: r.8) else { throw StoreError.corruptRow("message \(r.0)") }
        // NULL when read with MessageColumns.summary (no part states).
        let parts = try r.23.map(PartStateCoding.decode) ?? []
        var record = MessageRecord(
            id: r.0, accountID: r.1, channel: channel, to: r.3, from: r.4, subject: r.5, text: r.6, tag: r.7, status: status,
            reason: r.9.flatMap(ReasonCode.init(rawValue:)), segments: r.10, encoding: r.11, characters: r.12, billedSegments: r.13,
            priceMicros: r.14, hasConflict: r.15, engagement: SetCoding.decode(r.16), createdAt: r.17, updatedAt: r.18, sendAt: r.19,
            expiresAt: r.20, callbackURL: r.21, idempotencyKey: r.22, parts: parts
        )
        record.reservedMicros = r.24
        record.chargedMicros = r.25
        record.providerStatus = r.26
        record.providerError = r.27
        record.campaignID = r.28
        let columns = row.makeRandomAccess()
        if status == .deferred { record.nextAttemptAt = try columns[29].decode(Date?.self) }
        record.html = try columns[30].decode(String?.self)
        record.replyTo = try columns[31].decode(String?.self)
        record.messageOptions = MessageOptionsCoding.decode(try columns[32].decode(String?.self))
        return (record, parts)
    }

    /// A row read with ``EventColumns/list`` (further columns after them are left alone).
    static func event(_ row: PostgresRow) throws -> StatusEvent {
        let c = row.makeRandomAccess()
        let id = try c[0].decode(String.self), kindWord = try c[3].decode(String.self), sourceWord = try c[5].decode(String.self)
        guard let kind = EventKind(rawValue: kindWord), let source = EventSource(rawValue: sourceWord) else { throw StoreError.corruptRow("event \(id)") }
        return StatusEvent(
            id: id, messageID: try c[1].decode(String.self), part: try c[2].decode(Int?.self), kind: kind,
            reason: try c[4].decode(String?.self).flatMap(ReasonCode.init(rawValue:)), source: source,
            occurredAt: try c[6].decode(Date.self), recordedAt: try c[7].decode(Date.self), connector: try c[8].decode(String?.self),
            providerMessageID: try c[9].decode(String?.self), attempt: try c[10].decode(Int?.self), nextAttemptAt: try c[11].decode(Date?.self),
            detail: detail(try c[12].decode(String?.self), try c[13].decode(String?.self), try c[14].decode(String?.self), try c[15].decode(String?.self)),
            dedupKey: try c[16].decode(String.self), round: try c[17].decode(Int.self)
        )
    }
}
