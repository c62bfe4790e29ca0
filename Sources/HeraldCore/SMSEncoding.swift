/// The data coding Herald chooses for an SMS.
public enum SMSEncoding: String, Sendable, Hashable, Codable {
    /// GSM 03.38 default alphabet with its extension table (7-bit septets).
    case gsm7 = "GSM-7"
    /// UCS-2 (UTF-16 code units, surrogate pairs for characters outside the BMP).
    case ucs2 = "UCS-2"

    /// Units in a single-part message and in each part of a concatenated one (the UDH takes the rest).
    public var limits: (single: Int, multipart: Int) {
        switch self {
        case .gsm7: (160, 153)
        case .ucs2: (70, 67)
        }
    }
}

/// GSM 03.38 character tables.
public enum GSM7 {
    /// The basic character set, in code order.
    static let basic: [Character] = Array(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u{1B}ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    )
    /// Characters reached through the escape code: each takes two septets.
    static let extended: Set<Character> = ["\u{0C}", "^", "{", "}", "\\", "[", "~", "]", "|", "€"]
    static let basicSet: Set<Character> = Set(basic).subtracting(["\u{1B}"])

    /// Septets a character takes in GSM-7, or `nil` when it cannot be written in GSM-7.
    public static func septets(for character: Character) -> Int? {
        if basicSet.contains(character) { return 1 }
        if extended.contains(character) { return 2 }
        return nil
    }
}
