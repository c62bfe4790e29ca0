/// `HOST[:PORT]` as the config file and the CLI take it (`127.0.0.1:2525`, `mx.example.com`).
enum HostPort {
    /// The host and port, `defaultPort` when none is given (nil: a port is required); nil when malformed.
    static func parse(_ text: String, defaultPort: Int?) -> (host: String, port: Int)? {
        let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(pieces.count), !pieces[0].isEmpty,
              let port = pieces.count == 2 ? Int(pieces[1]) : defaultPort, (1...65535).contains(port)
        else { return nil }
        return (String(pieces[0]), port)
    }
}
