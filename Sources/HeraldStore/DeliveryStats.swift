import Foundation
import HeraldCore
import PhoneNumbers

/// Delivery analytics kept as they happen: when a message becomes final, the stores add it to one counter per account,
/// hour, connector, destination (country and number range, or e-mail domain), status and reason, with the time from
/// accept to final in fixed buckets. A report sums a few such rows per hour, never the messages themselves.
///
/// The dimensions and the buckets are decided here, once for both stores.
public enum DeliveryStats {
    /// Upper bounds (seconds) of the latency buckets; one more bucket holds everything slower.
    public static let bounds: [Double] = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1_800, 3_600, 21_600, 86_400]
    public static var bucketCount: Int { bounds.count + 1 }

    public struct Key: Sendable, Hashable {
        public var accountID: String
        /// Hours since 1970 (UTC) of the final status.
        public var hour: Int64
        /// The connector that carried it; empty when none did (refused before it was sent).
        public var connector: String
        /// `GB` for a phone number (its calling code's main region), the domain for an e-mail address.
        public var country: String
        /// The number range (`+447700`, the first 6 digits) or the e-mail domain.
        public var prefix: String
        public var status: String
        public var reason: String

        public init(accountID: String, hour: Int64, connector: String, country: String, prefix: String, status: String, reason: String) {
            self.accountID = accountID
            self.hour = hour
            self.connector = connector
            self.country = country
            self.prefix = prefix
            self.status = status
            self.reason = reason
        }
    }

    /// One counter: how many messages and their accept-to-final times by bucket.
    public struct Row: Sendable, Hashable {
        public var key: Key
        public var count: Int
        public var buckets: [Int]

        public init(key: Key, count: Int, buckets: [Int]) {
            self.key = key
            self.count = count
            self.buckets = buckets
        }

        /// Adds another row's counts (of the same key) to this one.
        public mutating func add(_ other: Row) {
            count += other.count
            for index in buckets.indices { buckets[index] += other.buckets[index] }
        }
    }

    /// The counter a message that just became final adds to. Its latency runs from `submittedAt` (when the provider took
    /// the submission the final receipt answers) or, for a message no provider answered, from its accept.
    public static func row(accountID: String, messageID: String, channel: Channel, recipient: String, connector: String?,
                           status: MessageStatus, reason: ReasonCode?, finalAt: Date, submittedAt: Date? = nil) -> Row {
        let (country, prefix) = destination(channel: channel, recipient: recipient)
        let key = Key(accountID: accountID, hour: Int64((finalAt.timeIntervalSince1970 / 3_600).rounded(.down)), connector: connector ?? "",
                      country: country, prefix: prefix, status: status.rawValue, reason: reason?.rawValue ?? "")
        var buckets = [Int](repeating: 0, count: bucketCount)
        let start = submittedAt ?? HeraldID.date(of: messageID) ?? finalAt
        buckets[bucket(seconds: max(0, finalAt.timeIntervalSince(start)))] = 1
        return Row(key: key, count: 1, buckets: buckets)
    }

    static func destination(channel: Channel, recipient: String) -> (country: String, prefix: String) {
        if channel == .email {
            let domain = EmailAddress.domain(of: recipient)?.lowercased() ?? ""
            return (domain, domain)
        }
        guard let (_, region) = PhoneNumber.callingCode(ofE164: recipient) else { return ("", "") }
        return (region, String(recipient.prefix(7)))
    }

    public static func bucket(seconds: Double) -> Int {
        bounds.firstIndex { seconds <= $0 } ?? bounds.count
    }

    /// The upper bound of the bucket the `fraction` quantile falls in (nil with no messages; infinity past the last).
    public static func quantile(_ buckets: [Int], _ fraction: Double) -> Double? {
        let total = buckets.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = Int((Double(total) * fraction).rounded(.up))
        var seen = 0
        for (index, count) in buckets.enumerated() {
            seen += count
            if seen >= max(rank, 1) { return index < bounds.count ? bounds[index] : .infinity }
        }
        return .infinity
    }
}
