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
            text += part.status.rawValue
            text.append(fieldSeparator)
            text += part.reason?.rawValue ?? ""
            text.append(fieldSeparator)
            text += String(part.evidence.tier)
            if part.evidence.round > 0 { text += "r" + String(part.evidence.round) }
            text.append(fieldSeparator)
            // The exact bits of the time: evidence comparisons must not change after a round trip.
            text += String(part.evidence.occurredAt.timeIntervalSince1970.bitPattern, radix: 16)
            text.append(fieldSeparator)
            text += part.evidence.eventID
            text.append(fieldSeparator)
            text += SetCoding.encode(part.claimedFinals)
            text.append(fieldSeparator)
            text += part.wasAcceptedByProvider ? "1" : "0"
            text.append(fieldSeparator)
            text += SetCoding.encode(part.engagement)
            text.append(fieldSeparator)
            text += clean(part.providerMessageID)
            text.append(fieldSeparator)
            text += clean(part.connector)
        }
        return text
    }

    public static func decode(_ text: String) throws -> [PartState] {
        // Scans bytes, not Characters: this runs for every status change.
        var parts: [PartState] = []
        var fields: [Substring] = []
        fields.reserveCapacity(10)
        let utf8 = text.utf8
        var fieldStart = utf8.startIndex
        var index = utf8.startIndex
        while true {
            let atEnd = index == utf8.endIndex
            let byte = atEnd ? 0x1E : utf8[index]
            if byte == 0x1F || byte == 0x1E {
                fields.append(Substring(utf8[fieldStart..<index]))
                if byte == 0x1E {
                    parts.append(try part(fields))
                    fields.removeAll(keepingCapacity: true)
                }
                if atEnd { break }
                fieldStart = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        return parts
    }

    private static func part(_ fields: [Substring]) throws -> PartState {
        guard fields.count == 10 else { throw StoreError.corruptRow("part state '\(fields.joined(separator: "|"))'") }
        // `tier` or `tier` "r" `round`, split on the byte.
        let tierField = fields[2]
        let roundMark = tierField.utf8.firstIndex(of: UInt8(ascii: "r"))
        let tierText = roundMark.map { tierField[..<$0] } ?? tierField
        guard let status = MessageStatus(rawValue: String(fields[0])), let tier = Int(tierText),
              let bits = UInt64(fields[3], radix: 16)
        else { throw StoreError.corruptRow("part state '\(fields.joined(separator: "|"))'") }
        return PartState(
            status: status, reason: fields[1].isEmpty ? nil : ReasonCode(rawValue: String(fields[1])),
            evidence: Evidence(tier: tier, occurredAt: Date(timeIntervalSince1970: Double(bitPattern: bits)), eventID: String(fields[4]),
                               round: roundMark.map { Int(tierField[tierField.utf8.index(after: $0)...]) ?? 0 } ?? 0),
            claimedFinals: SetCoding.decode(fields[5]), wasAcceptedByProvider: fields[6] == "1",
            engagement: SetCoding.decode(fields[7]),
            providerMessageID: fields[8].isEmpty ? nil : String(fields[8]), connector: fields[9].isEmpty ? nil : String(fields[9])
        )
    }

    private static func clean(_ value: String?) -> String {
        guard let value else { return "" }
        guard value.utf8.contains(where: { $0 == 0x1E || $0 == 0x1F }) else { return value }
        return String(value.filter { $0 != partSeparator && $0 != fieldSeparator })
    }
}
