import struct Foundation.Date
import HeraldCore

/// The part states of a message as one compact text column of the message row.
///
/// Keeping them in the row makes every status change one read and one update of one row, in both
/// backends; parts are small (a handful of short fields) and always read and written together.
/// Format: parts separated by U+001E, fields by U+001F.
public enum PartStateCoding {
    private static let partSeparator: Character = "\u{1E}"
    private static let fieldSeparator: Character = "\u{1F}"

    public static func encode(_ parts: [PartState]) -> String {
        var text = ""
        text.reserveCapacity(parts.count * 96)
        for (index, part) in parts.enumerated() {
            if index > 0 { text.append(partSeparator) }
            let fields: [String] = [
                part.status.rawValue, part.reason?.rawValue ?? "", String(part.evidence.tier),
                String(part.evidence.occurredAt.timeIntervalSince1970), part.evidence.eventID,
                SetCoding.encode(part.claimedFinals), part.wasAcceptedByProvider ? "1" : "0",
                SetCoding.encode(part.engagement), clean(part.providerMessageID), clean(part.connector),
            ]
            text.append(fields.joined(separator: String(fieldSeparator)))
        }
        return text
    }

    public static func decode(_ text: String) throws -> [PartState] {
        try text.split(separator: partSeparator, omittingEmptySubsequences: false).map { part in
            let fields = part.split(separator: fieldSeparator, omittingEmptySubsequences: false)
            guard fields.count == 10, let status = MessageStatus(rawValue: String(fields[0])), let tier = Int(fields[2]),
                  let seconds = Double(fields[3])
            else { throw StoreError.corruptRow("part state '\(part)'") }
            return PartState(
                status: status, reason: ReasonCode(rawValue: String(fields[1])),
                evidence: Evidence(tier: tier, occurredAt: Date(timeIntervalSince1970: seconds), eventID: String(fields[4])),
                claimedFinals: SetCoding.decode(String(fields[5])), wasAcceptedByProvider: fields[6] == "1",
                engagement: SetCoding.decode(String(fields[7])),
                providerMessageID: fields[8].isEmpty ? nil : String(fields[8]), connector: fields[9].isEmpty ? nil : String(fields[9])
            )
        }
    }

    private static func clean(_ value: String?) -> String {
        guard let value else { return "" }
        return String(value.filter { $0 != partSeparator && $0 != fieldSeparator })
    }
}
