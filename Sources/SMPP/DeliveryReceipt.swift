/// A delivery receipt read from a `deliver_sm` / `data_sm`: TLVs first, then the receipt text.
///
/// The text format (`id:... sub:... dlvrd:... submit date:... done date:... stat:... err:... text:...`,
/// SMPP 3.4 Appendix B) is only a convention, so the parser is tolerant: fields in any order or missing,
/// keys in any case, `submit_date` or `submit date`, `stat` words of any length, dates of 10, 12 or 14 digits.
public struct DeliveryReceipt: Sendable, Hashable {
    /// The provider's id of the original message (from `receipted_message_id`, else `id:`).
    public var messageID: String?
    /// `id:` from the text, which some SMSCs write in another form than `receipted_message_id`.
    public var textMessageID: String?
    /// The final state word (`DELIVRD`, `UNDELIV`, `ENROUTE`...) from the text, or from `message_state`.
    public var stat: String?
    /// `message_state` TLV (1 ENROUTE ... 8 REJECTED), which wins over the text.
    public var messageState: UInt8?
    /// `err:` from the text.
    public var error: String?
    /// `network_error_code` TLV as `type:code` (e.g. `3:1` for a GSM error 1).
    public var networkErrorCode: String?
    public var submitted: String?
    public var delivered: String?
    public var submitDate: ReceiptDate?
    public var doneDate: ReceiptDate?
    public var text: String?
    /// The receipt text as received.
    public var raw: String

    /// Reads a receipt. `text` is the short message (or `message_payload`) decoded as text.
    public init(text: String, tlvs: [SMPPTLV] = []) {
        raw = text
        let fields = Self.fields(of: text)
        messageID = fields["id"]
        textMessageID = fields["id"]
        stat = fields["stat"]
        error = fields["err"]
        submitted = fields["sub"]
        delivered = fields["dlvrd"]
        submitDate = fields["submit date"].flatMap(ReceiptDate.init)
        doneDate = fields["done date"].flatMap(ReceiptDate.init)
        self.text = fields["text"]
        if let receipted = tlvs[.receiptedMessageID]?.string, !receipted.isEmpty { messageID = receipted }
        if let state = tlvs[.messageState]?.value.first {
            messageState = state
            if let word = Self.stateWords[state] { stat = word }
        }
        if let network = tlvs[.networkErrorCode], network.value.count == 3 {
            networkErrorCode = "\(network.value[0]):\(UInt16(network.value[1]) << 8 | UInt16(network.value[2]))"
        }
    }

    /// `message_state` values of SMPP 3.4 section 5.2.28, as the receipt words that mean the same.
    public static let stateWords: [UInt8: String] = [
        1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD",
    ]

    /// Keys as they appear in the wild (as bytes, matched at every word start), mapped to one spelling.
    private static let keys: [(spelling: [UInt8], key: String)] = [(spelling: String, key: String)](arrayLiteral:
        ("submit date:", "submit date"), ("submit_date:", "submit date"), ("submitdate:", "submit date"),
        ("done date:", "done date"), ("done_date:", "done date"), ("donedate:", "done date"),
        ("id:", "id"), ("sub:", "sub"), ("dlvrd:", "dlvrd"), ("stat:", "stat"), ("err:", "err"), ("text:", "text")
    ).map { (Array($0.spelling.utf8), $0.key) }

    /// Finds every known key at a word start and takes what lies between it and the next key as its value.
    /// Keys are ASCII, so the text is lower-cased byte for byte (offsets stay those of the original).
    static func fields(of text: String) -> [String: String] {
        let original = Array(text.utf8)
        return fields(lower: original.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }, original: original)
    }

    private static func fields(lower: [UInt8], original: [UInt8]) -> [String: String] {
        var found: [(start: Int, valueStart: Int, key: String)] = []
        var index = 0
        while index < lower.count {
            let atWordStart = index == 0 || lower[index - 1] == 0x20 || lower[index - 1] == 0x09 || lower[index - 1] == 0x0A || lower[index - 1] == 0x0D
            if atWordStart, found.last?.key != "text" {
                for (bytes, key) in keys {
                    if index + bytes.count <= lower.count, lower[index..<(index + bytes.count)].elementsEqual(bytes) {
                        if !found.contains(where: { $0.key == key }) {
                            found.append((index, index + bytes.count, key))
                        }
                        index += bytes.count - 1
                        break
                    }
                }
            }
            index += 1
        }
        var fields: [String: String] = [:]
        for (offset, field) in found.enumerated() {
            let end = offset + 1 < found.count ? found[offset + 1].start : original.count
            let value = String(decoding: original[field.valueStart..<max(field.valueStart, end)], as: UTF8.self)
            fields[field.key] = value.trimmingBlanks()
        }
        return fields
    }
}

/// A receipt date: `YYMMDDhhmm`, `YYMMDDhhmmss` or `YYYYMMDDhhmmss`.
public struct ReceiptDate: Sendable, Hashable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init?(_ text: String) {
        // ASCII digits only: `isNumber` also accepts superscripts, fractions and other scripts' digits, which no
        // SMSC writes and which are not decimal values.
        let bytes = Array(text.utf8)
        guard [10, 12, 14].contains(bytes.count), bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        var numbers = bytes.map { Int($0 - 0x30) }
        let digits = bytes
        func take(_ count: Int) -> Int {
            let value = numbers.prefix(count).reduce(0) { $0 * 10 + $1 }
            numbers.removeFirst(count)
            return value
        }
        year = digits.count == 14 ? take(4) : 2000 + take(2)
        month = take(2)
        day = take(2)
        hour = take(2)
        minute = take(2)
        second = numbers.isEmpty ? 0 : take(2)
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
    }

    /// The UTC date of `seconds` since 1970 (what an SMSC writes into a receipt).
    public init(secondsSince1970 seconds: Int) {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let rest = seconds - days * 86400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        hour = rest / 3600
        minute = rest % 3600 / 60
        second = rest % 60
    }

    /// `YYMMDDhhmmss`, the 12-digit form.
    public var text: String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value % 100)" }
        return two(year % 100) + two(month) + two(day) + two(hour) + two(minute) + two(second)
    }

    /// Seconds since 1970 for this date read in UTC shifted by `offsetSeconds` (the SMSC's time zone).
    public func secondsSince1970(offsetSeconds: Int = 0) -> Int {
        // Days from civil (Howard Hinnant's algorithm), no Foundation needed.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds
    }
}
