/// GSM 03.38 default alphabet and extension table (3GPP TS 23.038 section 6.2.1).
public enum GSM0338 {
    /// The 128 characters of the default alphabet, in code order (0x1B is the escape to the extension table).
    static let basic: [Character] = Array(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u{1B}ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    )
    /// The extension table: each character is written as 0x1B followed by this code.
    static let extensionCodes: [Character: UInt8] = [
        "\u{0C}": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D, "]": 0x3E, "|": 0x40, "€": 0x65,
    ]
    static let basicCodes: [Character: UInt8] = {
        var codes: [Character: UInt8] = [:]
        for (index, character) in basic.enumerated() where index != 0x1B {
            codes[character] = UInt8(index)
        }
        return codes
    }()
    static let extensionCharacters: [UInt8: Character] = Dictionary(uniqueKeysWithValues: extensionCodes.map { ($1, $0) })

    /// Septets a character takes (1, or 2 for the extension table), or `nil` when GSM-7 cannot write it.
    public static func septets(for character: Character) -> Int? {
        if basicCodes[character] != nil { return 1 }
        if extensionCodes[character] != nil { return 2 }
        return nil
    }

    /// Unpacked septets (one per octet), or `nil` when a character is outside the alphabet.
    public static func encode(_ text: some StringProtocol) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for character in text {
            if let code = basicCodes[character] {
                out.append(code)
            } else if let code = extensionCodes[character] {
                out.append(0x1B)
                out.append(code)
            } else {
                return nil
            }
        }
        return out
    }

    /// Decodes unpacked septets. An unknown extension code decodes as its basic character, as the
    /// standard asks; a trailing lone escape is dropped.
    public static func decode(_ septets: some Sequence<UInt8>) -> String {
        var out = ""
        var escaped = false
        for septet in septets {
            let code = septet & 0x7F
            if escaped {
                escaped = false
                out.append(extensionCharacters[code] ?? basic[Int(code)])
            } else if code == 0x1B {
                escaped = true
            } else {
                out.append(basic[Int(code)])
            }
        }
        return out
    }
}
