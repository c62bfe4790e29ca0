import CResolv
import NIOPosix

/// Where mail for a domain goes (RFC 5321 section 5.1): its MX hosts by preference, or the domain itself when it has
/// none, from the system resolver (libresolv, on a thread of NIO's pool: the lookup blocks), or from a static map
/// (tests, and domains an operator routes by hand).
public struct MXResolver: Sendable {
    public struct Host: Sendable, Hashable {
        public var name: String
        public var port: Int
        public var preference: Int
        public init(name: String, port: Int, preference: Int = 0) {
            self.name = name
            self.port = port
            self.preference = preference
        }
    }

    public enum Answer: Sendable, Hashable {
        /// Try these in order.
        case hosts([Host])
        /// The domain does not exist (NXDOMAIN): no address at it can ever work.
        case noSuchDomain
        /// The domain says it takes no mail (RFC 7505 null MX).
        case nullMX
        /// Ask again later (SERVFAIL, timeout, no resolver).
        case temporaryFailure(String)
    }

    /// Lower-case domain -> its hosts, instead of DNS.
    public var staticMX: [String: [Host]]
    /// The SMTP port of the hosts DNS names (25).
    public var port: Int
    /// The DNS server to ask (an IPv4 address and port) instead of the system's (/etc/resolv.conf).
    public var nameserver: (address: String, port: Int)?

    public init(staticMX: [String: [Host]] = [:], port: Int = 25, nameserver: (address: String, port: Int)? = nil) {
        self.staticMX = staticMX
        self.port = port
        self.nameserver = nameserver
    }

    public func resolve(_ domain: String) async -> Answer {
        let domain = domain.lowercased()
        if let hosts = staticMX[domain] { return .hosts(hosts) }
        let port = port, nameserver = nameserver
        let answer = try? await NIOThreadPool.singleton.runIfActive { Self.lookup(domain, port: port, nameserver: nameserver) }
        return answer ?? .temporaryFailure("the resolver thread pool is not running")
    }

    /// The blocking lookup.
    static func lookup(_ domain: String, port: Int, nameserver: (address: String, port: Int)?) -> Answer {
        var records = [herald_mx_record](repeating: herald_mx_record(), count: 32)
        let count: Int32 = if let nameserver {
            herald_mx_lookup(domain, &records, Int32(records.count), nameserver.address, Int32(nameserver.port))
        } else {
            herald_mx_lookup(domain, &records, Int32(records.count), nil, 53)
        }
        switch count {
        case -1: return .noSuchDomain
        case -3: return .hosts([Host(name: domain, port: port)])  // implicit MX: the domain's own address
        case ..<0: return .temporaryFailure("MX lookup for \(domain) failed temporarily")
        default:
            let hosts = records.prefix(Int(count)).map { record -> Host in
                var record = record
                let name = withUnsafeBytes(of: &record.host) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                return Host(name: name, port: port, preference: Int(record.preference))
            }
            if hosts.count == 1, hosts[0].name.isEmpty || hosts[0].name == "." { return .nullMX }
            return .hosts(hosts.filter { !$0.name.isEmpty }.sorted { $0.preference < $1.preference })
        }
    }
}
