import HeraldConnectors

/// `application/x-www-form-urlencoded` (the WHATWG URL standard's form encoding), the body of Twilio's API and callbacks.
public enum FormURLEncoding {
    /// `name=value&...`, every byte outside `*-._` and ASCII letters and digits percent-encoded, spaces as `+`.
    public static func encode(_ parameters: [ProviderCallback.Parameter]) -> String {
        parameters.map { escape($0.name) + "=" + escape($0.value) }.joined(separator: "&")
    }

    /// The parameters in order; `+` is a space; a malformed escape is kept as written. Nil when the bytes are not UTF-8.
    public static func decode(_ bytes: some Collection<UInt8>) -> [ProviderCallback.Parameter]? {
        guard !bytes.isEmpty else { return [] }
        var parameters: [ProviderCallback.Parameter] = []
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let name = unescape(pair[..<(equals ?? pair.endIndex)])
            let value = equals.map { unescape(pair[pair.index(after: $0)...]) } ?? ""
            guard let name, let value else { return nil }
            parameters.append(.init(name, value))
        }
        return parameters
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0x0F, radix: 16, uppercase: true)
            }
        }
        return out
    }

    static func unescape(_ bytes: some Collection<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"),
                      let high = bytes.index(index, offsetBy: 1, limitedBy: bytes.endIndex), high != bytes.endIndex,
                      let low = bytes.index(high, offsetBy: 1, limitedBy: bytes.endIndex), low != bytes.endIndex,
                      let h = hex(bytes[high]), let l = hex(bytes[low]) {
                out.append(h << 4 | l)
                index = low
            } else {
                out.append(byte)
            }
            index = bytes.index(after: index)
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension [ProviderCallback.Parameter] {
    /// The last value of a parameter.
    public subscript(_ name: String) -> String? {
        last { $0.name == name }?.value
    }
}
