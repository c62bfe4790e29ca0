import Foundation
import HeraldCore

/// Opt-outs (suppressions) and the Do-Not-Disturb list.
///
/// A role of ``HeraldStore``: a part that needs only this takes only this.
public protocol SuppressionStore: Sendable {
    /// Adds a suppression; adding one that exists changes nothing.
    func addSuppression(_ suppression: Suppression) async throws
    /// Opts the recipient of a message out of its account's messages on its channel, from every sender (an unsubscribe
    /// that names only the message: a reply to `List-Unsubscribe`'s mailto address). False when there is no such message.
    func suppressRecipient(ofMessage messageID: String, source: String, at: Date) async throws -> Bool
    /// Removes the recipient's suppressions for this sender and for every sender (`sender` nil: all of them).
    /// Returns how many were removed.
    func removeSuppressions(accountID: String, channel: Channel, recipient: String, sender: String?) async throws -> Int
    /// The account's suppressions, newest first; only the recipient's when given.
    func suppressions(accountID: String, recipient: String?, limit: Int) async throws -> [Suppression]
    /// The suppressions among these recipients (one indexed read for a whole batch).
    func suppressions(accountID: String, channel: Channel, recipients: [String]) async throws -> [Suppression]


    /// Adds numbers to the account's DND list; returns how many were new.
    func addDND(accountID: String, recipients: [String], now: Date) async throws -> Int
    /// Returns false when the number was not listed.
    func removeDND(accountID: String, recipient: String) async throws -> Bool
    /// The account's DND list, newest first, older than the cursor (a recipient), at most `limit`.
    func dndList(accountID: String, limit: Int) async throws -> [DNDEntry]
}
