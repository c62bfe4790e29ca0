extension SMSText {
    /// One kind of character smart encoding replaced, and how often.
    public struct Replacement: Sendable, Hashable, Codable {
        public var original: String
        public var replacement: String
        public var count: Int

        public init(original: String, replacement: String, count: Int) {
            self.original = original
            self.replacement = replacement
            self.count = count
        }
    }

    /// Typographic characters that word processors and phones insert, with the GSM-7 text that reads the same.
    static let lookalikes: [Character: String] = [
        "\u{201C}": "\"", "\u{201D}": "\"", "\u{201E}": "\"", "\u{201F}": "\"", "\u{00AB}": "\"", "\u{00BB}": "\"", "\u{2033}": "\"",
        "\u{2018}": "'", "\u{2019}": "'", "\u{201A}": "'", "\u{201B}": "'", "\u{2032}": "'", "\u{00B4}": "'", "\u{02BC}": "'",
        "\u{2010}": "-", "\u{2011}": "-", "\u{2012}": "-", "\u{2013}": "-", "\u{2014}": "-", "\u{2015}": "-", "\u{2212}": "-",
        "\u{2026}": "...", "\u{00A0}": " ", "\u{2007}": " ", "\u{2009}": " ", "\u{200A}": " ", "\u{202F}": " ", "\u{2002}": " ",
        "\u{2003}": " ", "\u{200B}": "", "\u{FEFF}": "", "\u{2022}": "-", "\u{00B7}": "-", "\u{2044}": "/", "\u{02C6}": "^",
        "\u{02DC}": "~", "\u{2039}": "<", "\u{203A}": ">", "\u{00E7}": "Ç", "\u{00E1}": "a", "\u{00ED}": "i", "\u{00F3}": "o",
        "\u{00FA}": "u", "\u{00E2}": "a", "\u{00EA}": "e", "\u{00EE}": "i", "\u{00F4}": "o", "\u{00FB}": "u", "\u{00E3}": "a",
        "\u{00F5}": "o", "\u{00EB}": "e", "\u{00EF}": "i",
    ]

    /// Replaces typographic look-alikes (curly quotes, dashes, ellipsis, odd spaces, some accents) so the text fits
    /// GSM-7, and says what it replaced. Text that still needs UCS-2 afterwards (an emoji, Cyrillic) is returned
    /// unchanged with no replacements: it costs the same either way, and the sender's characters are kept.
    public static func gsmFriendly(_ text: String) -> (text: String, replacements: [Replacement]) {
        guard alphabet(for: text) != .gsm7 else { return (text, []) }
        var output = ""
        output.reserveCapacity(text.utf8.count)
        var counts: [Character: Int] = [:]
        var order: [Character] = []
        for character in text {
            if GSM0338.septets(for: character) == nil, let replacement = lookalikes[character] {
                output += replacement
                if counts[character] == nil { order.append(character) }
                counts[character, default: 0] += 1
            } else {
                output.append(character)
            }
        }
        guard alphabet(for: output) == .gsm7 else { return (text, []) }
        return (output, order.map { Replacement(original: String($0), replacement: lookalikes[$0] ?? "", count: counts[$0] ?? 0) })
    }
}
