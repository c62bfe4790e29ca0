/// Encodes, decodes and splits SMS text.
///
/// Picks the smallest alphabet the text fits (GSM-7, then Latin-1 when allowed, then UCS-2), and splits long
/// text into parts that never end in the middle of an escape pair, a surrogate pair or a grapheme cluster.
public enum SMSText {
    /// The result of splitting one text.
    public struct Segmentation: Sendable, Hashable {
        public var alphabet: SMSAlphabet
        /// The text of each part, in order.
        public var parts: [String]
        /// User-perceived characters.
        public var characters: Int
        /// Septets, octets or UTF-16 units of the whole text.
        public var units: Int
        public var segments: Int { parts.count }
    }

    /// The smallest alphabet in `allowed` (tried in the order GSM-7, Latin-1, UCS-2) that writes every
    /// character of `text`. UCS-2 writes everything and is the answer when nothing else fits.
    public static func alphabet(for text: some StringProtocol, allowing allowed: Set<SMSAlphabet> = [.gsm7, .ucs2]) -> SMSAlphabet {
        for candidate in [SMSAlphabet.gsm7, .latin1] where allowed.contains(candidate) {
            if text.allSatisfy({ candidate.units(for: $0) != nil }) { return candidate }
        }
        return .ucs2
    }

    /// Splits text into parts of the chosen alphabet (160/153, 140/134, 70/67 units).
    public static func segment(_ text: String, allowing allowed: Set<SMSAlphabet> = [.gsm7, .ucs2]) -> Segmentation {
        segmentASCII(text, allowing: allowed) ?? segmentByCharacter(text, allowing: allowed)
    }

    /// The general path of ``segment(_:allowing:)``: character by character (grapheme clusters).
    static func segmentByCharacter(_ text: String, allowing allowed: Set<SMSAlphabet>) -> Segmentation {
        let alphabet = alphabet(for: text, allowing: allowed)
        let units = text.map { alphabet.units(for: $0) ?? $0.utf16.count }
        let total = units.reduce(0, +)
        if total <= alphabet.limits.single {
            return Segmentation(alphabet: alphabet, parts: [text], characters: units.count, units: total)
        }
        var parts: [String] = []
        var current = ""
        var used = 0
        func add(_ piece: String, size: Int) {
            // A piece whose units would not fit moves to the next part whole.
            if used + size > alphabet.limits.multipart, !current.isEmpty {
                parts.append(current)
                current = ""
                used = 0
            }
            current.append(piece)
            used += size
        }
        for (character, size) in zip(text, units) {
            if size <= alphabet.limits.multipart {
                add(String(character), size: size)
            } else {
                // One grapheme cluster larger than a part ("e" and thousands of combining marks): the octet limit
                // wins, so it is split between scalars (never inside a surrogate pair or an escape pair).
                for scalar in character.unicodeScalars {
                    let piece = Character(scalar)
                    add(String(piece), size: alphabet.units(for: piece) ?? piece.utf16.count)
                }
            }
        }
        if !current.isEmpty { parts.append(current) }
        return Segmentation(alphabet: alphabet, parts: parts, characters: units.count, units: total)
    }

    /// Septets of each ASCII byte in GSM-7 (0: not in the GSM 03.38 alphabet).
    private static let asciiSeptets: [UInt8] = (0..<128).map { byte in
        UInt8(GSM0338.septets(for: Character(Unicode.Scalar(UInt8(byte)))) ?? 0)
    }

    /// ``segment(_:allowing:)`` for the common case of plain ASCII text (no CR, which pairs with LF into one character):
    /// one byte is one character, so units come from a table instead of walking grapheme clusters. nil otherwise.
    static func segmentASCII(_ text: String, allowing allowed: Set<SMSAlphabet>) -> Segmentation? {
        text.utf8.withContiguousStorageIfAvailable { bytes -> Segmentation? in
            var septets = 0
            var gsm = allowed.contains(.gsm7)
            for byte in bytes {
                guard byte < 0x80, byte != 13 else { return nil }
                let size = asciiSeptets[Int(byte)]
                if size == 0 { gsm = false }
                septets += Int(size)
            }
            // Not GSM-7: every ASCII byte is one Latin-1 octet and one UCS-2 unit.
            let alphabet: SMSAlphabet = gsm ? .gsm7 : allowed.contains(.latin1) ? .latin1 : .ucs2
            let total = gsm ? septets : bytes.count
            if total <= alphabet.limits.single {
                return Segmentation(alphabet: alphabet, parts: [text], characters: bytes.count, units: total)
            }
            var parts: [String] = []
            var start = 0
            var used = 0
            for (index, byte) in bytes.enumerated() {
                let size = gsm ? Int(asciiSeptets[Int(byte)]) : 1
                if used + size > alphabet.limits.multipart, index > start {
                    parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                    start = index
                    used = 0
                }
                used += size
            }
            if start < bytes.count { parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self)) }
            return Segmentation(alphabet: alphabet, parts: parts, characters: bytes.count, units: total)
        } ?? nil
    }

    /// The octets of `text` in `alphabet` (GSM-7 unpacked, UCS-2 big-endian), or `nil` when it does not fit.
    public static func encode(_ text: some StringProtocol, as alphabet: SMSAlphabet) -> [UInt8]? {
        switch alphabet {
        case .gsm7:
            return GSM0338.encode(text)
        case .latin1:
            var out: [UInt8] = []
            out.reserveCapacity(text.unicodeScalars.count)
            for scalar in text.unicodeScalars {
                guard scalar.value <= 0xFF else { return nil }
                out.append(UInt8(scalar.value))
            }
            return out
        case .ucs2:
            var out: [UInt8] = []
            out.reserveCapacity(text.utf16.count * 2)
            for unit in text.utf16 {
                out.append(UInt8(unit >> 8))
                out.append(UInt8(unit & 0xFF))
            }
            return out
        }
    }

    /// Text from octets in an SMPP `data_coding`. Unknown codings are read as Latin-1 so nothing is lost.
    public static func decode(_ bytes: [UInt8], dataCoding: UInt8) -> String {
        switch SMSAlphabet(dataCoding: dataCoding) {
        case .gsm7:
            return GSM0338.decode(bytes)
        case .ucs2:
            var units: [UInt16] = []
            units.reserveCapacity(bytes.count / 2)
            var index = 0
            while index + 1 < bytes.count {
                units.append(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]))
                index += 2
            }
            return String(decoding: units, as: UTF16.self)
        case .latin1, nil:
            // ASCII (every receipt in practice) is the same bytes in UTF-8: no scalar by scalar building.
            if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        }
    }
}
