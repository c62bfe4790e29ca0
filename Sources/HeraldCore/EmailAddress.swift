/// E-mail addresses as RFC 5321 allows them on the wire (with RFC 6531's UTF-8 local parts), and internationalised
/// domains in their ASCII form (IDNA A-labels: RFC 5890, Punycode RFC 3492), so one address has one spelling.
public enum EmailAddress {
    /// `local@domain` with the domain in lower case and in A-labels (`ann@bücher.de` -> `ann@xn--bcher-kva.de`); nil
    /// when it is not an address: a local part that is no dot-atom or quoted string (or longer than 64 octets), a
    /// domain without a dot, with an empty label, a label over 63 octets or one starting or ending with a hyphen, or
    /// more than 254 octets in all.
    public static func normalise(_ address: String) -> String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let local = address[..<at]
        let domainPart = address[address.index(after: at)...]
        guard isLocalPart(local), let domain = asciiDomain(String(domainPart)) else { return nil }
        let result = String(local) + "@" + domain
        return result.utf8.count <= 254 ? result : nil
    }

    /// The domain of an address, in lower case: of `ann@Example.com` or `Ann <ann@example.com>`; nil without one.
    public static func domain(of address: String) -> String? {
        var address = Substring(address)
        if let open = address.lastIndex(of: "<"), let close = address.lastIndex(of: ">"), open < close {
            address = address[address.index(after: open)..<close]
        }
        guard let at = address.lastIndex(of: "@"), address.index(after: at) < address.endIndex else { return nil }
        return address[address.index(after: at)...].lowercased()
    }

    /// Whether the local part needs SMTPUTF8 (RFC 6531) to be sent.
    public static func needsUTF8(_ address: String) -> Bool { !address.utf8.allSatisfy { $0 < 0x80 } }

    static let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~".unicodeScalars)

    static func isLocalPart(_ local: Substring) -> Bool {
        guard !local.isEmpty, local.utf8.count <= 64 else { return false }
        if local.hasPrefix("\""), local.hasSuffix("\""), local.count >= 2 {
            // Quoted string: printable ASCII (or UTF-8) other than `"` and `\`, or those escaped.
            var escaped = false
            for scalar in local.dropFirst().dropLast().unicodeScalars {
                if escaped { escaped = false; continue }
                if scalar == "\\" { escaped = true; continue }
                if scalar == "\"" || scalar.value < 32 || scalar.value == 127 { return false }
            }
            return !escaped
        }
        // Dot-atom: atoms of atext (or UTF-8) joined by single dots.
        for atom in local.split(separator: ".", omittingEmptySubsequences: false) {
            guard !atom.isEmpty, atom.unicodeScalars.allSatisfy({ atext.contains($0) || $0.value >= 0x80 }) else { return false }
        }
        return true
    }

    /// The domain in lower case with every label in ASCII (non-ASCII labels as `xn--` Punycode); nil if malformed.
    public static func asciiDomain(_ domain: String) -> String? {
        guard domain.contains("."), domain.utf8.count <= 255 else { return nil }
        var labels: [String] = []
        for label in domain.lowercased().split(separator: ".", omittingEmptySubsequences: false) {
            let ascii: String
            if label.utf8.allSatisfy({ $0 < 0x80 }) {
                ascii = String(label)
            } else {
                guard label.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "-" }),
                      let encoded = Punycode.encode(String(label)) else { return nil }
                ascii = "xn--" + encoded
            }
            guard (1...63).contains(ascii.utf8.count), !ascii.hasPrefix("-"), !ascii.hasSuffix("-"),
                  ascii.unicodeScalars.allSatisfy({ ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" })
            else { return nil }
            labels.append(ascii)
        }
        let result = labels.joined(separator: ".")
        return result.utf8.count <= 253 ? result : nil
    }
}

/// Punycode (RFC 3492), the encoding of IDNA A-labels.
public enum Punycode {
    static let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700, initialBias = 72, initialN = 128

    /// The Punycode of `label` (without `xn--`); nil on overflow.
    public static func encode(_ label: String) -> String? {
        let input = Array(label.unicodeScalars.map(\.value))
        var output = input.filter { $0 < 0x80 }.map { Character(Unicode.Scalar($0)!) }
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append("-") }
        var n = UInt32(initialN), delta = 0, bias = initialBias
        while handled < input.count {
            guard let m = input.filter({ $0 >= n }).min() else { return nil }
            let (product, overflow) = Int(m - n).multipliedReportingOverflow(by: handled + 1)
            guard !overflow else { return nil }
            delta += product
            n = m
            for c in input {
                if c < n { delta += 1 }
                if c == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta, handled + 1, handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return String(output)
    }

    static func digit(_ value: Int) -> Character {
        Character(Unicode.Scalar(UInt8(value < 26 ? value + 97 : value + 22)))
    }

    static func adapt(_ delta: Int, _ count: Int, _ first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / count
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }
}
