import Foundation
import GRDB
import HeraldCore
import HeraldStore

extension SQLiteStore {
    public func recordInbound(_ message: InboundMessage) async throws -> InboundMessage {
        try await ledgerWrite { db, outbox in
            var message = message
            if let providerID = message.providerMessageID,
               let stored = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, in_reply_to, account_id FROM inbound WHERE connector = ? AND provider_id = ?"),
                                             arguments: [message.connector, providerID]) {
                message.id = stored[0]
                message.inReplyTo = stored[1]
                message.accountID = stored[2]
                message.isDuplicate = true
                return message
            }
            let named = message.inReplyTo
            message.inReplyTo = nil
            message.accountID = nil
            let row = if let named {
                try Row.fetchOne(db.cachedStatement(sql: "SELECT id, \(Head.columns) FROM messages WHERE id = ?"), arguments: [named])
            } else {
                try Row.fetchOne(db.cachedStatement(sql: """
                    SELECT id, \(Head.columns) FROM messages WHERE recipient = ? AND channel = ? ORDER BY id DESC LIMIT 1
                    """), arguments: [message.from, message.channel.rawValue])
            }
            if let row {
                let messageID: String = row[0]
                message.inReplyTo = messageID
                message.accountID = row[1]
                try Self.applyEvents([message.replyEvent(on: messageID)], messageID: messageID,
                                     head: try Head(row, from: 1), outbox: &outbox, db: db)
            }
            try db.cachedStatement(sql: """
                INSERT INTO inbound (id, account_id, connector, sender, recipient, body, received_at, in_reply_to, provider_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO NOTHING
                """).execute(arguments: [message.id, message.accountID, message.connector, message.from, message.to, message.text,
                                         message.receivedAt.timeIntervalSince1970, message.inReplyTo, message.providerMessageID])
            return message
        }
    }

    public func inboundMessages(accountID: String, before cursor: String?, limit: Int) async throws -> [InboundMessage] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, connector, sender, recipient, body, received_at, in_reply_to, account_id FROM inbound
                WHERE account_id = ? AND id < ? ORDER BY id DESC LIMIT ?
                """, arguments: [accountID, cursor ?? "~", limit]).map { row in
                InboundMessage(id: row[0], connector: row[1], from: row[2], to: row[3], text: row[4],
                               receivedAt: Date(timeIntervalSince1970: row[5]), inReplyTo: row[6], accountID: row[7])
            }
        }
    }
}
