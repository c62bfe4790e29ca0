import Foundation

/// A callback URL taken apart once: scheme, host, port, request target and the `Host` header.
struct CallbackURL: Sendable, Hashable {
    var tls: Bool
    /// The host as written, without IPv6 brackets: a name to resolve or an address literal.
    var host: String
    var port: Int
    /// Path and query, percent-encoded as in the URL ("/" when the URL has no path).
    var target: String
    var hostHeader: String

    /// nil for anything but an absolute http(s) URL with a host.
    init?(_ text: String) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", var host = components.percentEncodedHost, !host.isEmpty
        else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        tls = scheme == "https"
        self.host = host.removingPercentEncoding ?? host
        let defaultPort = tls ? 443 : 80
        port = components.port ?? defaultPort
        guard (1...65_535).contains(port) else { return nil }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        target = components.percentEncodedQuery.map { path + "?" + $0 } ?? path
        hostHeader = port == defaultPort ? Self.bracketed(self.host) : Self.authority(self.host, port: port)
    }

    /// "host:port", with an IPv6 address in brackets.
    static func authority(_ host: String, port: Int) -> String { "\(bracketed(host)):\(port)" }

    private static func bracketed(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }
}
