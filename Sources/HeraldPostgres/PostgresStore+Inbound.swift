import Foundation
import HeraldCore
import HeraldStore
import PostgresNIO

extension PostgresStore {
    public func recordInbound(_ message: InboundMessage) async throws -> InboundMessage {
        try await ledgerTransaction { transaction in
            let connection = transaction.connection
            var message = message
            if let providerID = message.providerMessageID {
                let rows = try await connection.query("""
                    SELECT id, in_reply_to, account_id FROM inbound WHERE connector = \(message.connector) AND provider_id = \(providerID)
                    """, logger: self.logger)
                for try await (id, inReplyTo, account) in rows.decode((String, String?, String?).self) {
                    message.id = id
                    message.inReplyTo = inReplyTo
                    message.accountID = account
                    message.isDuplicate = true
                }
                if message.isDuplicate { return message }
            }
            let named = message.inReplyTo
            message.inReplyTo = nil
            message.accountID = nil
            let rows = if let named {
                try await connection.query("SELECT id FROM messages WHERE id = \(named)", logger: self.logger)
            } else {
                try await connection.query("""
                    SELECT id FROM messages WHERE recipient = \(message.from) AND channel = \(message.channel.rawValue) ORDER BY id DESC LIMIT 1
                    """, logger: self.logger)
            }
            var linked: String?
            for try await id in rows.decode(String.self) { linked = id }
            if let linked {
                let heads = try await self.heads([linked], connection: connection)
                if let head = heads[linked] {
                    message.inReplyTo = linked
                    message.accountID = head.accountID
                    try await self.applyBulk([linked: [message.replyEvent(on: linked)]], heads: heads, in: transaction)
                }
            }
            try await connection.query("""
                INSERT INTO inbound (id, account_id, connector, sender, recipient, body, received_at, in_reply_to, provider_id)
                VALUES (\(message.id), \(message.accountID), \(message.connector), \(message.from), \(message.to), \(message.text),
                        \(message.receivedAt), \(message.inReplyTo), \(message.providerMessageID))
                ON CONFLICT DO NOTHING
                """, logger: self.logger)
            return message
        }
    }

    public func inboundMessages(accountID: String, before cursor: String?, limit: Int) async throws -> [InboundMessage] {
        let rows = try await self.query("""
            SELECT id, connector, sender, recipient, body, received_at, in_reply_to, account_id FROM inbound
            WHERE account_id = \(accountID) AND id < \(cursor ?? "~") ORDER BY id DESC LIMIT \(limit)
            """, logger: logger)
        var messages: [InboundMessage] = []
        for try await (id, connector, from, to, text, received, inReplyTo, account)
            in rows.decode((String, String, String, String, String, Date, String?, String?).self) {
            messages.append(InboundMessage(id: id, connector: connector, from: from, to: to, text: text, receivedAt: received,
                                           inReplyTo: inReplyTo, accountID: account))
        }
        return messages
    }
}
