import HeraldMetrics
import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

/// Set-based writes: a batch of events for many messages costs a fixed number of round trips
/// (lock and read the rows, insert the events, update the rows), not a few per event. Round trips, not
/// PostgreSQL's work, are what limit a connection; every hot path goes through here.
extension PostgresStore {
    /// Marks "no value" in arrays, which cannot hold NULL through postgres-nio; turned back into NULL in SQL.
    static let noDate = Date(timeIntervalSince1970: -62_135_596_800)  // 0001-01-01T00:00:00Z
    /// Marks "no amount" (a postpaid message's reservation) in int8 arrays.
    static let noMicros = Int64.min

    /// Locks and reads the rows of these messages, in id order (a fixed lock order avoids deadlocks between
    /// concurrent writers).
    func heads(_ ids: [String], connection: LiveConnection) async throws -> [String: Head] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await connection.query("""
            SELECT id, \(unescaped: Head.columns) FROM messages WHERE id = ANY(\(ids)) ORDER BY id FOR UPDATE
            """, logger: logger)
        var heads: [String: Head] = [:]
        for try await row in rows {
            let (id, head) = try Head.decode(row)
            heads[id] = head
        }
        return heads
    }

    /// Appends events (duplicates by dedup key are skipped), folds the new ones into their messages' parts and
    /// updates the message rows. `heads` may be passed when the caller already locked and read the rows.
    @discardableResult
    func applyBulk(_ eventsByMessage: [String: [StatusEvent]], heads known: [String: Head]? = nil, in transaction: LedgerTransaction)
        async throws -> [String: (parts: [PartState], inserted: [StatusEvent])] {
        let connection = transaction.connection
        let ids = eventsByMessage.keys.sorted()
        guard !ids.isEmpty else { return [:] }
        let heads: [String: Head]
        if let known { heads = known } else { heads = try await self.heads(ids, connection: connection) }
        var events: [(StatusEvent, String)] = []
        for id in ids {
            guard let head = heads[id] else { continue }
            for event in eventsByMessage[id] ?? [] { events.append((event, head.accountID)) }
        }
        let inserted = try await insertEvents(events, connection: connection)
        try await learnWebhooks(of: heads.values.map(\.accountID), into: transaction, connection: connection)
        var results: [String: (parts: [PartState], inserted: [StatusEvent])] = [:]
        var update = (ids: [String](), statuses: [String](), reasons: [String](), accepted: [Int](), conflicts: [Bool](),
                      engagements: [String](), finals: [Bool](), parts: [String](), reserved: [Int64](), charged: [Int64](),
                      detailSet: [Bool](), providerStatuses: [String](), providerErrors: [String]())
        var balanceDeltas: [String: Int64] = [:]
        var suppressions: [Suppression] = []
        for id in ids {
            guard let head = heads[id] else { continue }
            var seen = Set<String>()
            let new = (eventsByMessage[id] ?? []).filter { inserted[id + "\u{1F}" + $0.dedupKey] != nil && seen.insert($0.dedupKey).inserted }
            var parts = head.parts
            results[id] = (parts, new)
            guard !new.isEmpty, !parts.isEmpty else { continue }
            let (aggregate, changed, becameFinal) = MessageLedger.fold(new, into: &parts)
            if becameFinal {
                let connector = parts.lazy.compactMap(\.connector).first
                HeraldMetrics.final(messageID: id, channel: head.channel, status: aggregate.status, reason: aggregate.reason, connector: connector)
                transaction.outbox.countFinal(DeliveryStats.row(accountID: head.accountID, messageID: id, channel: head.channel, recipient: head.subject.to,
                                                                connector: connector, status: aggregate.status, reason: aggregate.reason,
                                                                finalAt: transaction.outbox.now, submittedAt: transaction.outbox.submittedAt[id]),
                                              campaignID: head.subject.campaignID, status: aggregate.status)
            }
            results[id] = (parts, new)
            for (event, changed) in zip(new, changed) {
                transaction.outbox.owe(event, changed: changed, sequence: inserted[id + "\u{1F}" + event.dedupKey] ?? 0, subject: head.subject,
                                       messageIsFinal: aggregate.status.isFinal)
                if let suppression = BounceSuppression.suppression(for: event, changed: changed, channel: head.channel, accountID: head.accountID,
                                                                   recipient: head.subject.to, now: transaction.outbox.now) {
                    suppressions.append(suppression)
                }
            }
            update.ids.append(id)
            update.statuses.append(aggregate.status.rawValue)
            update.reasons.append(aggregate.reason?.rawValue ?? "")
            update.accepted.append(aggregate.billedSegments)
            update.conflicts.append(aggregate.hasConflict)
            update.engagements.append(SetCoding.encode(aggregate.engagement))
            update.finals.append(aggregate.status.isFinal)
            update.parts.append(PartStateCoding.encode(parts))
            let (holding, balanceDelta) = Billing.settle(head.holding, after: aggregate)
            update.reserved.append(holding.reserved ?? Self.noMicros)
            update.charged.append(holding.charged)
            let detail = MessageLedger.decisiveDetail(new, parts: parts)
            update.detailSet.append(detail != nil)
            update.providerStatuses.append(detail?.status ?? "")
            update.providerErrors.append(detail?.errorCode ?? "")
            if balanceDelta != 0 { balanceDeltas[head.accountID, default: 0] += balanceDelta }
        }
        if !update.ids.isEmpty {
            try await connection.query("""
                UPDATE messages AS m SET status = u.status, reason = NULLIF(u.reason, ''), accepted_parts = u.accepted, conflict = u.conflict,
                    engagement = u.engagement, final = u.final, updated_at = now(), parts = u.parts,
                    reserved_micros = NULLIF(u.reserved, \(Self.noMicros)), charged_micros = u.charged,
                    provider_status = CASE WHEN u.detail_set THEN NULLIF(u.provider_status, '') ELSE m.provider_status END,
                    provider_error = CASE WHEN u.detail_set THEN NULLIF(u.provider_error, '') ELSE m.provider_error END
                FROM unnest(\(update.ids)::text[], \(update.statuses)::text[], \(update.reasons)::text[], \(update.accepted)::int8[],
                    \(update.conflicts)::bool[], \(update.engagements)::text[], \(update.finals)::bool[], \(update.parts)::text[],
                    \(update.reserved)::int8[], \(update.charged)::int8[], \(update.detailSet)::bool[], \(update.providerStatuses)::text[],
                    \(update.providerErrors)::text[])
                    AS u(id, status, reason, accepted, conflict, engagement, final, parts, reserved, charged, detail_set, provider_status, provider_error)
                WHERE m.id = u.id
                """, logger: logger)
        }
        try await insertSuppressions(suppressions, connection: connection)
        if !balanceDeltas.isEmpty {
            // Accounts are locked in id order, so concurrent settlements cannot deadlock on them.
            let accounts = balanceDeltas.keys.sorted(), deltas = accounts.map { balanceDeltas[$0]! }
            try await connection.query("SELECT id FROM accounts WHERE id = ANY(\(accounts)) ORDER BY id FOR UPDATE", logger: logger)
            try await connection.query("""
                UPDATE accounts AS a SET balance_micros = a.balance_micros + u.delta
                FROM unnest(\(accounts)::text[], \(deltas)::int8[]) AS u(id, delta) WHERE a.id = u.id AND a.balance_micros IS NOT NULL
                """, logger: logger)
        }
        return results
    }

    /// Inserts events in one statement; returns the sequence numbers of those that were new by `messageID + U+001F + dedupKey`.
    func insertEvents(_ events: [(event: StatusEvent, accountID: String)], connection: LiveConnection) async throws -> [String: Int64] {
        guard !events.isEmpty else { return [:] }
        var c = (ids: [String](), messages: [String](), accounts: [String](), parts: [Int](), kinds: [String](), reasons: [String](),
                 sources: [String](), occurred: [Date](), recorded: [Date](), connectors: [String](), providerIDs: [String](),
                 attempts: [Int](), next: [Date](), statuses: [String](), errors: [String](), networks: [String](), texts: [String](),
                 keys: [String](), rounds: [Int]())
        for (event, accountID) in events {
            c.ids.append(event.id)
            c.messages.append(event.messageID)
            c.accounts.append(accountID)
            c.parts.append(event.part ?? -1)
            c.kinds.append(event.kind.rawValue)
            c.reasons.append(event.reason?.rawValue ?? "")
            c.sources.append(event.source.rawValue)
            c.occurred.append(event.occurredAt)
            c.recorded.append(event.recordedAt)
            c.connectors.append(event.connector ?? "")
            c.providerIDs.append(event.providerMessageID ?? "")
            c.attempts.append(event.attempt ?? -1)
            c.next.append(event.nextAttemptAt ?? Self.noDate)
            c.statuses.append(event.detail?.status ?? "")
            c.errors.append(event.detail?.errorCode ?? "")
            c.networks.append(event.detail?.networkErrorCode ?? "")
            c.texts.append(event.detail?.text ?? "")
            c.keys.append(event.dedupKey)
            c.rounds.append(event.round)
        }
        let rows = try await connection.query("""
            INSERT INTO events (id, message_id, account_id, part, kind, reason, source, occurred_at, recorded_at, connector, provider_id,
                attempt, next_attempt_at, detail_status, detail_error_code, detail_network_error_code, detail_text, dedup_key, round)
            SELECT u.id, u.message_id, u.account_id, NULLIF(u.part, -1), u.kind, NULLIF(u.reason, ''), u.source, u.occurred_at, u.recorded_at,
                NULLIF(u.connector, ''), NULLIF(u.provider_id, ''), NULLIF(u.attempt, -1),
                NULLIF(u.next_attempt_at, '0001-01-01 00:00:00+00'::timestamptz), NULLIF(u.ds, ''), NULLIF(u.de, ''), NULLIF(u.dn, ''),
                NULLIF(u.dt, ''), u.dedup_key, u.round
            FROM unnest(\(c.ids)::text[], \(c.messages)::text[], \(c.accounts)::text[], \(c.parts)::int8[], \(c.kinds)::text[],
                \(c.reasons)::text[], \(c.sources)::text[], \(c.occurred)::timestamptz[], \(c.recorded)::timestamptz[], \(c.connectors)::text[],
                \(c.providerIDs)::text[], \(c.attempts)::int8[], \(c.next)::timestamptz[], \(c.statuses)::text[], \(c.errors)::text[],
                \(c.networks)::text[], \(c.texts)::text[], \(c.keys)::text[], \(c.rounds)::int8[]) WITH ORDINALITY
                AS u(id, message_id, account_id, part, kind, reason, source, occurred_at, recorded_at, connector, provider_id, attempt,
                     next_attempt_at, ds, de, dn, dt, dedup_key, round, ord)
            ORDER BY u.ord
            ON CONFLICT (message_id, dedup_key) DO NOTHING
            RETURNING message_id, dedup_key, seq
            """, logger: logger)
        var inserted: [String: Int64] = [:]
        for try await (messageID, key, seq) in rows.decode((String, String, Int64).self) { inserted[messageID + "\u{1F}" + key] = seq }
        return inserted
    }

    /// Writes correlations and applies every receipt that was parked waiting for one of them and fits its message.
    func insertCorrelations(_ correlations: [Correlation], retry: ReceiptRetry = .none, in transaction: LedgerTransaction) async throws {
        guard !correlations.isEmpty else { return }
        let connection = transaction.connection
        let connectors = correlations.map(\.connector), providerIDs = correlations.map(\.providerMessageID)
        let messages = correlations.map(\.messageID), parts = correlations.map(\.part), rounds = correlations.map(\.round)
        let times = correlations.map { $0.correlatedAt ?? Date() }
        try await connection.query("""
            INSERT INTO correlations (connector, provider_id, message_id, part, round, correlated_at)
            SELECT * FROM unnest(\(connectors)::text[], \(providerIDs)::text[], \(messages)::text[], \(parts)::int8[], \(rounds)::int8[],
                \(times)::timestamptz[])
            ON CONFLICT DO NOTHING
            """, logger: logger)
        let (ordinals, keyConnectors, keys) = Self.flattenKeys(correlations.map { ($0.connector, $0.matchKeys) })
        let rows = try await connection.query("""
            SELECT r.id, r.kind, r.reason, r.occurred_at, r.received_at, r.detail_status, r.detail_error_code, r.detail_network_error_code,
                r.detail_text, r.addresses, r.submitted_at, c.connector, c.provider_id, c.message_id, c.part, c.round, c.correlated_at, m.recipient,
                r.price_amount, r.price_currency, r.price_category
            FROM unnest(\(ordinals)::int8[], \(keyConnectors)::text[], \(keys)::text[]) AS u(ord, connector, provider_id)
            JOIN receipts r ON r.connector = u.connector AND r.provider_id = u.provider_id AND r.matched_message_id IS NULL
                AND (r.parked_reason IS NULL OR r.parked_reason NOT LIKE \(ReceiptMatcher.ambiguous + "%"))
            JOIN unnest(\(connectors)::text[], \(providerIDs)::text[], \(messages)::text[], \(parts)::int8[], \(rounds)::int8[], \(times)::timestamptz[])
                WITH ORDINALITY AS c(connector, provider_id, message_id, part, round, correlated_at, ord) ON c.ord = u.ord + 1
            JOIN messages m ON m.id = c.message_id
            ORDER BY r.id
            FOR UPDATE OF r
            """, logger: logger)
        let matched = try await Self.parkedMatches(rows)
        _ = try await applyParked(matched, retry: retry, in: transaction)
    }

    /// Parked receipts joined with a correlation (receipt columns, then the correlation's, then the message's recipient):
    /// the first fitting correlation of each receipt (rows come most recent first), as events by message.
    static func parkedMatches(_ rows: Rows) async throws -> [ParkedMatch] {
        var matched: [ParkedMatch] = []
        var taken = Set<String>()
        for try await row in rows {
            let (id, kind, reason, occurred, received, status, error, network, text, addresses, submitted,
                 connector, providerID, messageID, part, round, correlatedAt, recipient) =
                try row.decode((String, String, String?, Date, Date, String?, String?, String?, String?, String?, Date?,
                                String, String, String, Int, Int, Date?, String).self)
            let columns = row.makeRandomAccess()
            let price = ProviderPrice(amount: try columns[18].decode(String?.self), currency: try columns[19].decode(String?.self),
                                      category: try columns[20].decode(String?.self))
            guard !taken.contains(id), let kind = EventKind(rawValue: kind),
                  ReceiptMatcher.parkedFits(addresses: ReceiptMatcher.addresses(stored: addresses), submittedAt: submitted,
                                            receivedAt: received, recipient: recipient, correlatedAt: correlatedAt)
            else { continue }
            taken.insert(id)
            let receipt = ProviderReceipt(connector: connector, providerMessageID: providerID, kind: kind, reason: reason.flatMap(ReasonCode.init(rawValue:)),
                                          occurredAt: occurred, receivedAt: received, detail: Self.detail(status, error, network, text))
            matched.append(ParkedMatch(receiptID: id, messageID: messageID, event: receipt.event(messageID: messageID, part: part, round: round, correlatedID: providerID),
                                       connector: connector, providerID: providerID, price: price == ProviderPrice() ? nil : price, receivedAt: received,
                                       submittedAt: correlatedAt))
        }
        return matched
    }

    /// A parked receipt and the submission it answers.
    struct ParkedMatch {
        var receiptID: String
        var messageID: String
        var event: StatusEvent
        var connector: String
        var providerID: String
        var price: ProviderPrice?
        var receivedAt: Date
        /// When the provider took the submission it answers.
        var submittedAt: Date?
    }

    /// (index, connector, key) columns for `unnest`: every match key of every item, at most
    /// ``ReceiptMatcher/maximumMatchKeys`` each, tagged with the item's index.
    static func flattenKeys(_ items: [(connector: String, keys: [String])]) -> (ordinals: [Int], connectors: [String], keys: [String]) {
        var ordinals: [Int] = [], connectors: [String] = [], keys: [String] = []
        for (index, item) in items.enumerated() {
            for key in item.keys.prefix(ReceiptMatcher.maximumMatchKeys) {
                ordinals.append(index)
                connectors.append(item.connector)
                keys.append(key)
            }
        }
        return (ordinals, connectors, keys)
    }

    /// Marks parked receipts matched and applies their events. Returns how many.
    func applyParked(_ matched: [ParkedMatch], retry: ReceiptRetry = .none, in transaction: LedgerTransaction) async throws -> Int {
        guard !matched.isEmpty else { return 0 }
        let connection = transaction.connection
        try await connection.query("""
            UPDATE receipts AS r SET matched_message_id = u.message_id, matched_at = now()
            FROM unnest(\(matched.map(\.receiptID))::text[], \(matched.map(\.messageID))::text[]) AS u(id, message_id) WHERE r.id = u.id
            """, logger: logger)
        var events: [String: [StatusEvent]] = [:]
        for match in matched {
            events[match.messageID, default: []].append(match.event)
            transaction.outbox.noteSubmission(of: match.messageID, at: match.submittedAt)
        }
        for match in matched {
            guard let price = match.price else { continue }
            try await keepPrice(price, messageID: match.messageID, connector: match.connector, providerID: match.providerID, at: match.receivedAt,
                                connection: connection)
        }
        guard events.values.contains(where: { $0.contains(where: retry.mayRetry) }) else {
            try await applyBulk(events, in: transaction)
            return matched.count
        }
        // Retried as it would have been had it come after the submit response.
        let heads = try await self.heads(events.keys.sorted(), connection: connection)
        let retries = try await self.retries(&events, heads: heads, retry: retry, connection: connection)
        let applied = try await applyBulk(events, heads: heads, in: transaction)
        try await requeue(retries, applied: applied, connection: connection)
        return matched.count
    }
}
