/// Splits SMS text into parts the way carriers will count them.
///
/// Picks GSM-7 when every character fits the default alphabet (extension characters count two septets),
/// UCS-2 otherwise. One part holds 160 septets or 70 UCS-2 units; concatenated parts hold 153 / 67.
/// A part never ends in the middle of an escape pair or a surrogate pair.
public struct SMSSegmenter: Sendable {
    public init() {}

    /// The result of segmenting one text.
    public struct Result: Sendable, Hashable {
        public var encoding: SMSEncoding
        /// The text of each part, in order.
        public var parts: [String]
        /// Number of user-perceived characters.
        public var characters: Int
        /// Septets (GSM-7) or UTF-16 units (UCS-2) of the whole text.
        public var units: Int
        public var segments: Int { parts.count }
    }

    public func segment(_ text: String) -> Result {
        var gsmUnits: [Int] = []
        gsmUnits.reserveCapacity(text.count)
        var isGSM = true
        for character in text {
            guard let septets = GSM7.septets(for: character) else {
                isGSM = false
                break
            }
            gsmUnits.append(septets)
        }
        if isGSM {
            return split(text, encoding: .gsm7, unitsPerCharacter: gsmUnits)
        }
        let ucsUnits = text.map { $0.utf16.count }
        return split(text, encoding: .ucs2, unitsPerCharacter: ucsUnits)
    }

    private func split(_ text: String, encoding: SMSEncoding, unitsPerCharacter: [Int]) -> Result {
        let total = unitsPerCharacter.reduce(0, +)
        let characters = unitsPerCharacter.count
        if total <= encoding.limits.single {
            return Result(encoding: encoding, parts: text.isEmpty ? [""] : [text], characters: characters, units: total)
        }
        var parts: [String] = []
        var current = ""
        var used = 0
        for (character, units) in zip(text, unitsPerCharacter) {
            // A character whose units would not fit (escape pair, surrogate pair, or a long grapheme
            // cluster) moves to the next part whole.
            if used + units > encoding.limits.multipart, !current.isEmpty {
                parts.append(current)
                current = ""
                used = 0
            }
            current.append(character)
            used += units
        }
        if !current.isEmpty { parts.append(current) }
        return Result(encoding: encoding, parts: parts, characters: characters, units: total)
    }
}
