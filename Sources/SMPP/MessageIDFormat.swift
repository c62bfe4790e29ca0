/// How an SMSC writes message ids, so the id in `submit_sm_resp` and the id in a receipt can be matched.
///
/// Many SMSCs answer `submit_sm` with a hex id and put the same number in decimal into the receipt (or the
/// other way round), with or without leading zeros, in either case. Ids may be longer than 64 bits.
public enum MessageIDFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// Not known in advance (the default): ids are normalised (blanks, case, leading zeros of a hex-looking id) and a
    /// receipt's id is also tried in its other plausible forms (decimal of a hex id, hex of a decimal id).
    case auto
    /// Opaque text: compared as received, ignoring case and surrounding blanks.
    case string
    /// A hexadecimal number.
    case hex
    /// A decimal number.
    case decimal

    /// The canonical form of an id written in this format: the number in lower-case hex without leading
    /// zeros for `hex` and `decimal` (so the two compare equal), the trimmed lower-cased text for `string`.
    /// An id that is not a valid number in the format falls back to the `string` form.
    public func canonical(_ id: String) -> String {
        let trimmed = id.trimmingBlanks()
        switch self {
        case .auto, .hex:
            return Self.normalized(trimmed)
        case .string:
            return trimmed.lowercased()
        case .decimal:
            guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) else { return trimmed.lowercased() }
            return Self.decimalToHex(trimmed)
        }
    }

    /// Trimmed, lower-cased, and without leading zeros when every character is a hex digit (`"0000ABCD"` and
    /// `"abcd"` are one id).
    public static func normalized(_ id: String) -> String {
        let text = id.trimmingBlanks().lowercased()
        guard !text.isEmpty, text.utf8.allSatisfy(Self.isHexDigit) else { return text }
        let stripped = text.drop { $0 == "0" }
        return stripped.isEmpty ? "0" : String(stripped)
    }

    /// The other forms an SMSC may write the same id in: the decimal digits of a number read as hex (`decimalAsHex`:
    /// a receipt's decimal id of a hex submit id) and the hex digits read as decimal (`hexAsDecimal`), each normalised.
    /// nil where the id is not such a number, or too long to be one (over 40 digits).
    public static func alternatives(of id: String) -> (decimalAsHex: String?, hexAsDecimal: String?) {
        let text = normalized(id)
        guard !text.isEmpty, text.utf8.count <= 40 else { return (nil, nil) }
        let isDecimal = text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        let isHex = text.utf8.allSatisfy(Self.isHexDigit)
        return (isDecimal ? decimalToHex(text) : nil, isHex ? hexToDecimal(text) : nil)
    }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46)
    }

    /// Converts a hex number of any length to decimal.
    static func hexToDecimal(_ hex: String) -> String {
        var digits: [UInt8] = []
        digits.reserveCapacity(hex.utf8.count)
        for byte in hex.utf8 {
            switch byte {
            case 0x30...0x39: digits.append(byte - 0x30)
            case 0x61...0x66: digits.append(byte - 0x61 + 10)
            case 0x41...0x46: digits.append(byte - 0x41 + 10)
            default: continue
            }
        }
        return convert(digits, from: 16, to: 10)
    }

    /// Converts a decimal number of any length to lower-case hex.
    static func decimalToHex(_ decimal: String) -> String {
        convert(decimal.utf8.compactMap { $0 >= 0x30 && $0 <= 0x39 ? $0 - 0x30 : nil }, from: 10, to: 16)
    }

    /// The digits of a number in base `from`, written in base `to`: at once when it fits 64 bits (nearly every id), by
    /// repeated division otherwise (ids can exceed 64 bits).
    private static func convert(_ number: [UInt8], from: Int, to: Int) -> String {
        var value: UInt64 = 0
        var fits = true
        for digit in number {
            let (times, timesOverflow) = value.multipliedReportingOverflow(by: UInt64(from))
            let (sum, sumOverflow) = times.addingReportingOverflow(UInt64(digit))
            if timesOverflow || sumOverflow { fits = false; break }
            value = sum
        }
        if fits { return String(value, radix: to) }
        var digits = number
        var out: [UInt8] = []
        while !(digits.isEmpty || digits.allSatisfy { $0 == 0 }) {
            var remainder = 0
            var quotient: [UInt8] = []
            quotient.reserveCapacity(digits.count)
            for digit in digits {
                let value = remainder * from + Int(digit)
                let q = value / to
                remainder = value % to
                if !(quotient.isEmpty && q == 0) { quotient.append(UInt8(q)) }
            }
            out.append(Self.alphabet[remainder])
            digits = quotient
        }
        return out.isEmpty ? "0" : String(decoding: out.reversed(), as: UTF8.self)
    }

    private static let alphabet = Array("0123456789abcdef".utf8)
}

extension String {
    /// Without the blanks and NULs SMSCs leave around ids and receipt fields (all ASCII, so never part of a longer
    /// UTF-8 sequence: the bytes are trimmed directly).
    func trimmingBlanks() -> String {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A || byte == 0x00 }
        let bytes = utf8
        guard let first = bytes.first, let last = bytes.last, isBlank(first) || isBlank(last) else { return self }
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isBlank(bytes[start]) { start = bytes.index(after: start) }
        while end > start, isBlank(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
