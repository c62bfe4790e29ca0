import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

/// Retries after temporary receipts (``ReceiptRetry``), inside the receipt transaction.
extension PostgresStore {
    /// Turns retryable receipt events into DEFERRED events of the next round; returns the messages to queue again
    /// (when, and the attempt counter to continue from).
    func retries(_ events: inout [String: [StatusEvent]], heads: [String: Head], retry: ReceiptRetry, connection: LiveConnection)
        async throws -> [String: (at: Date, attempt: Int)] {
        let candidates = events.filter { $0.value.contains(where: retry.mayRetry) }.keys.sorted()
        guard !candidates.isEmpty else { return [:] }
        let rows = try await connection.query("""
            SELECT m.id, m.expires_at, COALESCE((SELECT MAX(e.attempt) FROM events e WHERE e.message_id = m.id), 1)
            FROM messages m WHERE m.id = ANY(\(candidates))
            """, logger: logger)
        var retries: [String: (at: Date, attempt: Int)] = [:]
        for try await (id, expiresAt, lastAttempt) in rows.decode((String, Date, Int).self) {
            guard let head = heads[id], var list = events[id] else { continue }
            for index in list.indices where retry.mayRetry(list[index]) {
                guard let part = list[index].part, head.parts.indices.contains(part) else { continue }
                let (event, retryAt) = retry.decide(list[index], part: head.parts[part], lastAttempt: lastAttempt, expiresAt: expiresAt)
                list[index] = event
                if let retryAt { retries[id] = (min(retryAt, retries[id]?.at ?? retryAt), lastAttempt) }
            }
            events[id] = list
        }
        return retries
    }

    /// Queues messages again for their retry (only where the DEFERRED was new, not a duplicate receipt).
    func requeue(_ retries: [String: (at: Date, attempt: Int)], applied: [String: (parts: [PartState], inserted: [StatusEvent])],
                 connection: LiveConnection) async throws {
        let due = retries.filter { id, _ in applied[id]?.inserted.contains { $0.kind == .status(.deferred) && $0.source == .receipt } == true }
        guard !due.isEmpty else { return }
        let ids = due.keys.sorted(), at = ids.map { due[$0]!.at }, attempts = ids.map { due[$0]!.attempt }
        try await connection.query("""
            INSERT INTO queue (message_id, available_at, attempt) SELECT * FROM unnest(\(ids)::text[], \(at)::timestamptz[], \(attempts)::int8[])
            ON CONFLICT (message_id) DO UPDATE SET available_at = LEAST(queue.available_at, excluded.available_at)
            """, logger: logger)
    }
}
