import Foundation
import HeraldCore

/// A campaign's messages becoming final over time, kept as they happen: when a message of a campaign becomes final, the
/// stores add one to the counter of its campaign, minute and status, in the same transaction. The campaign report
/// draws "delivered over time" from these few rows, never from the messages.
public enum CampaignProgress {
    public struct Key: Sendable, Hashable {
        public var campaignID: String
        /// Minutes since 1970 (UTC) of the final status.
        public var minute: Int64
        public var status: String

        public init(campaignID: String, minute: Int64, status: String) {
            self.campaignID = campaignID
            self.minute = minute
            self.status = status
        }
    }

    /// One counter as read back.
    public struct Row: Sendable, Hashable {
        public var key: Key
        public var count: Int

        public init(key: Key, count: Int) {
            self.key = key
            self.count = count
        }
    }

    /// The counter a campaign's message that just became final adds one to.
    public static func key(campaignID: String, status: MessageStatus, finalAt: Date) -> Key {
        Key(campaignID: campaignID, minute: Int64((finalAt.timeIntervalSince1970 / 60).rounded(.down)), status: status.rawValue)
    }
}
