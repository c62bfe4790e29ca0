import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

extension PostgresStore {
    public func cancel(messageID: String, accountID: String, now: Date) async throws -> CancelOutcome {
        try await ledgerTransaction { transaction in
            let connection = transaction.connection
            // Lock the queue row first: a worker's claim (SKIP LOCKED) then passes it by; if a worker holds it, its
            // lease shows and the message is not cancelable.
            var queued = false
            var leased = false
            for try await leaseUntil in try await connection.query(
                "SELECT lease_until FROM queue WHERE message_id = \(messageID) FOR UPDATE", logger: self.logger
            ).decode(Date?.self) {
                queued = true
                leased = leaseUntil.map { $0 > now } ?? false
            }
            let heads = try await self.heads([messageID], connection: connection)
            guard let head = heads[messageID], head.accountID == accountID else { return .notFound }
            var status = MessageStatus.queued
            for try await raw in try await connection.query("SELECT status FROM messages WHERE id = \(messageID)", logger: self.logger).decode(String.self) {
                status = MessageStatus(rawValue: raw) ?? .queued
            }
            guard queued, !leased, MessageLedger.canCancel(status: status, parts: head.parts) else { return .notCancelable(status) }
            try await connection.query("DELETE FROM queue WHERE message_id = \(messageID)", logger: self.logger)
            try await self.applyBulk([messageID: [MessageLedger.cancelEvent(messageID: messageID, now: now)]], heads: heads, in: transaction)
            return .canceled
        }
    }
}
