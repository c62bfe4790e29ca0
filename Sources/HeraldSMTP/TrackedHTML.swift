import Foundation

/// Open and click tracking in an e-mail's HTML: every `href` to an http(s) URL becomes a signed Herald link (the
/// unsubscribe link and `mailto:` stay as they are), and a 1x1 image before `</body>` loads the open pixel. The text
/// part is left alone. Pure but for the signing, which the caller supplies.
enum TrackedHTML {
    static func rewrite(_ html: String, pixel: String?, link: ((String) async throws -> String)?) async throws -> String {
        var out = html
        if let link { out = try await rewriteLinks(out, link: link) }
        if let pixel {
            let image = "<img src=\"\(pixel)\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">"
            if let body = out.range(of: "</body>", options: [.caseInsensitive, .backwards]) {
                out.insert(contentsOf: image, at: body.lowerBound)
            } else {
                out += image
            }
        }
        return out
    }

    static func rewriteLinks(_ html: String, link: (String) async throws -> String) async throws -> String {
        let bytes = Array(html.utf8)
        let lower = bytes.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        let marker = Array("href".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 256)
        var index = 0
        while index < bytes.count {
            guard index + marker.count <= bytes.count, lower[index..<index + marker.count].elementsEqual(marker),
                  index == 0 || !isNameByte(lower[index - 1])
            else {
                out.append(bytes[index])
                index += 1
                continue
            }
            // href, spaces, =, spaces, a quote, the value, the same quote.
            var cursor = index + marker.count
            while cursor < bytes.count, bytes[cursor] == 32 || bytes[cursor] == 9 || bytes[cursor] == 10 || bytes[cursor] == 13 { cursor += 1 }
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "=") else {
                out.append(contentsOf: bytes[index..<cursor])
                index = cursor
                continue
            }
            cursor += 1
            while cursor < bytes.count, bytes[cursor] == 32 || bytes[cursor] == 9 || bytes[cursor] == 10 || bytes[cursor] == 13 { cursor += 1 }
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") || bytes[cursor] == UInt8(ascii: "'"),
                  let close = bytes[(cursor + 1)...].firstIndex(of: bytes[cursor])
            else {
                out.append(contentsOf: bytes[index..<min(cursor, bytes.count)])
                index = cursor
                continue
            }
            let raw = String(decoding: bytes[(cursor + 1)..<close], as: UTF8.self)
            let target = raw.replacingOccurrences(of: "&amp;", with: "&").trimmingCharacters(in: .whitespaces)
            let lowered = target.lowercased()
            out.append(contentsOf: bytes[index...cursor])
            if lowered.hasPrefix("http://") || lowered.hasPrefix("https://"), !lowered.contains("/t/u/") {
                out.append(contentsOf: Array(try await link(target).utf8))
            } else {
                out.append(contentsOf: bytes[(cursor + 1)..<close])
            }
            out.append(bytes[close])
            index = close + 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
    }
}
