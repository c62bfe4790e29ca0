import Foundation
import HeraldCore

/// Inbound (MO) messages and e-mail replies.
///
/// A role of ``HeraldStore``: a part that needs only this takes only this.
public protocol InboundStore: Sendable {
    /// Stores an inbound message and, in the same transaction, links it to the message it answers (a REPLIED event on
    /// that message): the one its `inReplyTo` names when set (an e-mail reply names it), else the last message of its channel
    /// (SMS, chat) sent to its sender. Returns it with `inReplyTo` and `accountID` filled in when linked (cleared when the named one is unknown).
    func recordInbound(_ message: InboundMessage) async throws -> InboundMessage
    /// The account's inbound messages, newest first, older than the cursor id.
    func inboundMessages(accountID: String, before cursor: String?, limit: Int) async throws -> [InboundMessage]
}
