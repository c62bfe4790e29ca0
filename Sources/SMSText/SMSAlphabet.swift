/// The character sets an SMS can be written in, with the SMPP `data_coding` value of each.
public enum SMSAlphabet: String, Sendable, Hashable, CaseIterable, Codable {
    /// GSM 03.38 default alphabet and its extension table, one septet per character (two for extension
    /// characters). SMPP `data_coding` 0 (SMSC default alphabet), sent unpacked: one septet per octet.
    case gsm7 = "GSM-7"
    /// ISO-8859-1, one octet per character. `data_coding` 3. Not every carrier accepts it.
    case latin1 = "Latin-1"
    /// UCS-2 (UTF-16 big-endian code units; characters outside the BMP take a surrogate pair). `data_coding` 8.
    case ucs2 = "UCS-2"

    /// The SMPP `data_coding` octet.
    public var dataCoding: UInt8 {
        switch self {
        case .gsm7: 0
        case .latin1: 3
        case .ucs2: 8
        }
    }

    /// The alphabet an SMPP `data_coding` octet names, when it is one of the three.
    public init?(dataCoding: UInt8) {
        switch dataCoding {
        case 0, 1: self = .gsm7  // 1 is IA5/ASCII, a subset for decoding purposes
        case 3: self = .latin1
        case 8: self = .ucs2
        default: return nil
        }
    }

    /// Units (septets, octets or UTF-16 units) in a single-part message and in each part of a concatenated
    /// one (the 6-octet user data header takes the rest of the 140 octets).
    public var limits: (single: Int, multipart: Int) {
        switch self {
        case .gsm7: (160, 153)
        case .latin1: (140, 134)
        case .ucs2: (70, 67)
        }
    }

    /// Units one character takes in this alphabet, or `nil` when the character cannot be written in it.
    public func units(for character: Character) -> Int? {
        switch self {
        case .gsm7:
            return GSM0338.septets(for: character)
        case .latin1:
            var count = 0
            for scalar in character.unicodeScalars {
                guard scalar.value <= 0xFF else { return nil }
                count += 1
            }
            return count
        case .ucs2:
            return character.utf16.count
        }
    }
}
