import Foundation

/// Which addresses a callback may be sent to. Private (RFC 1918, unique-local), loopback, link-local (and so cloud
/// metadata at 169.254.169.254), carrier-grade NAT, unspecified, multicast and reserved addresses are refused unless
/// the operator allows private networks (`--webhooks-allow-private`; the tests allow loopback).
public struct AddressPolicy: Sendable, Hashable {
    public var allowPrivate: Bool

    public init(allowPrivate: Bool) {
        self.allowPrivate = allowPrivate
    }

    /// Whether an IPv4 or IPv6 address (in its text form) may be called.
    public func allows(_ address: String) -> Bool {
        allowPrivate || !Self.isInternal(address)
    }

    public static func isInternal(_ address: String) -> Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            let bytes = withUnsafeBytes(of: v4.s_addr) { Array($0) }
            return isInternalV4(bytes)
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, address, &v6) == 1 {
            let bytes = withUnsafeBytes(of: v6) { Array($0) }
            if let embedded = embeddedV4(bytes) { return isInternalV4(embedded) }
            if bytes.allSatisfy({ $0 == 0 }) { return true }  // ::
            if bytes[0..<15].allSatisfy({ $0 == 0 }), bytes[15] == 1 { return true }  // ::1
            if bytes[0] == 0x20, bytes[1] == 0x01, bytes[2] == 0, bytes[3] == 0 { return true }  // Teredo 2001::/32: a tunnel to anywhere
            if bytes[0] & 0xFE == 0xFC { return true }  // fc00::/7 unique local
            if bytes[0] == 0xFE, bytes[1] & 0xC0 == 0x80 { return true }  // fe80::/10 link-local
            if bytes[0] == 0xFF { return true }  // multicast
            return false
        }
        return true  // not an address at all: refuse
    }

    /// The IPv4 address an IPv6 form carries, judged as that address: IPv4-mapped `::ffff:a.b.c.d`, IPv4-translated
    /// `::ffff:0:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d` (and the local-use `64:ff9b:1::/48`),
    /// and 6to4 `2002:aabb:ccdd::/48`.
    static func embeddedV4(_ b: [UInt8]) -> [UInt8]? {
        let tail = Array(b[12..<16])
        if b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xFF, b[11] == 0xFF { return tail }
        if b[0..<8].allSatisfy({ $0 == 0 }), b[8] == 0xFF, b[9] == 0xFF, b[10] == 0, b[11] == 0 { return tail }
        if b[0..<12].allSatisfy({ $0 == 0 }), !(tail[0] == 0 && tail[1] == 0 && tail[2] == 0 && tail[3] <= 1) { return tail }
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xFF, b[3] == 0x9B {
            if b[4..<12].allSatisfy({ $0 == 0 }) { return tail }
            if b[4] == 0x00, b[5] == 0x01 { return tail }
        }
        if b[0] == 0x20, b[1] == 0x02 { return Array(b[2..<6]) }
        return nil
    }

    private static func isInternalV4(_ b: [UInt8]) -> Bool {
        switch (b[0], b[1]) {
        case (0, _), (10, _), (127, _): return true
        case (100, 64...127): return true  // carrier-grade NAT
        case (169, 254): return true  // link-local, cloud metadata
        case (172, 16...31): return true
        case (192, 168): return true
        case (192, 0) where b[2] == 0: return true
        case (198, 18...19): return true  // benchmarking
        case (224...255, _): return true  // multicast, reserved, broadcast
        default: return false
        }
    }

    /// Whether the text is an IPv4 or IPv6 address rather than a name.
    public static func isLiteral(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    /// Resolves a host name to its addresses (blocking: call it off the event loops).
    public static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }
}

extension AddressPolicy {
    /// Why a callback URL can never be delivered under this policy, judged without DNS: its host is an address (in any
    /// IPv4 or IPv6 form) or a `localhost` name the policy refuses. nil when it may be tried (names are resolved and
    /// checked again at every delivery).
    public func refusal(ofURL url: String) -> String? {
        guard !allowPrivate, let host = Self.host(of: url) else { return nil }
        let name = host.lowercased().trimmingSuffix(".")
        if name == "localhost" || name.hasSuffix(".localhost") {
            return "\(host) is this machine (loopback)"
        }
        if Self.isLiteral(name), Self.isInternal(name) {
            return "\(host) is a private, loopback or link-local address"
        }
        return nil
    }

    /// The host of an http(s) URL (Foundation's parser), without brackets around an IPv6 address.
    static func host(of url: String) -> String? {
        guard let host = URLComponents(string: url)?.host, !host.isEmpty else { return nil }
        return host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
