import struct Foundation.Date
import struct Foundation.TimeInterval
import HeraldCore

/// What the pre-send gates that need stored data should check when messages are accepted. The store runs them
/// inside the accept transaction: their reads cost one indexed query per account and channel of a write, and no
/// concurrent accept can slip between the check and the insert.
public struct Screening: Sendable, Hashable {
    /// Seconds within which the same recipient, sender and text is DUPLICATE; 0: off.
    public var duplicateWindow: TimeInterval
    /// Check the account's suppression list (opt-outs).
    public var suppressions: Bool
    /// Check promotional messages against the account's Do-Not-Disturb list.
    public var dnd: Bool
    public var now: Date

    public init(duplicateWindow: TimeInterval, suppressions: Bool, dnd: Bool = false, now: Date) {
        self.duplicateWindow = duplicateWindow
        self.suppressions = suppressions
        self.dnd = dnd
        self.now = now
    }

    public static let none = Screening(duplicateWindow: 0, suppressions: false, now: .distantPast)

    public var isActive: Bool { duplicateWindow > 0 || suppressions || dnd }
    public var duplicateSince: Date { now.addingTimeInterval(-duplicateWindow) }
}

/// The pure half of screening, shared by both backends: which messages to look at, and the verdicts.
public enum MessageScreening {
    /// Messages are screened per account and channel.
    public struct Group: Hashable, Sendable {
        public var accountID: String
        public var channel: Channel
    }

    /// The promotional messages still to send among `indices`, and their distinct recipients (the DND list is read for these).
    public static func promotional(_ messages: [NewMessage], indices: [Int]) -> (indices: [Int], recipients: [String]) {
        let promotional = indices.filter { messages[$0].draft.category == .promotional && messages[$0].draft.rejection == nil }
        return (promotional, Array(Set(promotional.map { messages[$0].draft.to })))
    }

    /// DND-listed recipients of promotional messages: DND / DND_LISTED.
    public static func applyDND(to messages: inout [NewMessage], indices: [Int], listed: Set<String>) {
        for index in indices where listed.contains(messages[index].draft.to) {
            messages[index].draft.rejection = .dndListed
            messages[index].draft.initialDetail = "\(messages[index].draft.to) is on the account's Do-Not-Disturb list; only transactional messages pass"
        }
    }

    /// The messages still to send (not already refused), grouped, with their distinct recipients.
    public static func groups(_ messages: [NewMessage]) -> [(group: Group, indices: [Int], recipients: [String])] {
        let grouped = Dictionary(grouping: messages.indices.filter { messages[$0].draft.rejection == nil }) {
            Group(accountID: messages[$0].accountID, channel: messages[$0].draft.channel)
        }
        return grouped.map { group, indices in (group, indices, Array(Set(indices.map { messages[$0].draft.to }))) }
    }

    /// Opt-out first (UNSUBSCRIBED), then duplicates (DUPLICATE) against the recent messages and earlier messages
    /// of the same write.
    public static func apply(to messages: inout [NewMessage], indices: [Int], suppressions: [Suppression], recent: [RecentMessage], checkDuplicates: Bool) {
        let suppressed = Dictionary(grouping: suppressions, by: \.recipient)
        struct Fingerprint: Hashable {
            var recipient: String
            var sender: String?
            var text: String
        }
        var seen = Set(recent.map { Fingerprint(recipient: $0.recipient, sender: $0.sender, text: $0.text) })
        for index in indices where messages[index].draft.rejection == nil {
            let draft = messages[index].draft
            if draft.category != .keywordReply, let blocking = suppressed[draft.to]?.filter({ $0.blocks(sender: draft.from) }), !blocking.isEmpty {
                // The recipient's own opt-out wins over a bounce in the words given.
                messages[index].draft.rejection = blocking.allSatisfy(BounceSuppression.isBounce) ? .suppressed : .optedOut
                continue
            }
            if checkDuplicates, !seen.insert(Fingerprint(recipient: draft.to, sender: draft.from, text: draft.text)).inserted {
                messages[index].draft.rejection = .duplicateContent
            }
        }
    }
}
