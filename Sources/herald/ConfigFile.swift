import Foundation
import DKIM
import HeraldSMTP
import HeraldCore
import HeraldEngine
import HeraldSMPP
import SMPP
import SMSText

/// `herald serve --config FILE`: connectors and routes, as JSON (docs/integrations/smpp.md shows a full file).
struct ConfigFile: Decodable {
    var connectors: [ConnectorEntry] = []
    var routes: [RouteEntry] = []
    var pricing: PricingEntry?

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        connectors = try container.decodeIfPresent([ConnectorEntry].self, forKey: .connectors) ?? []
        routes = try container.decodeIfPresent([RouteEntry].self, forKey: .routes) ?? []
        pricing = try container.decodeIfPresent(PricingEntry.self, forKey: .pricing)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case connectors, routes, pricing
        static var allNames: [String] { allCases.map(\.rawValue) }
    }

    /// `"pricing": {"currency": "EUR", "sms": {"default": "0.0075", "+44": "0.035", "+447": "0.03"}, "email": {"default": "0.001"}}`:
    /// price per segment by channel and recipient prefix (the longest prefix wins), as decimal strings.
    struct PricingEntry: Decodable {
        var currency: String?
        var sms: [String: String]?
        var email: [String: String]?
        var chat: [String: String]?
    }

    /// The price table, with the defaults for what the file leaves out.
    func priceTable() throws -> PriceTable {
        var table = PriceTable()
        guard let pricing else { return table }
        if let currency = pricing.currency {
            guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw Problem(field: "pricing.currency", problem: "'\(currency)' is not a currency code", fix: "use an ISO 4217 code such as USD or EUR")
            }
            table.currency = currency
        }
        for (channel, entries) in [(Channel.sms, pricing.sms), (.email, pricing.email), (.chat, pricing.chat)] {
            for (key, value) in entries ?? [:] {
                let field = "pricing.\(channel.rawValue).\(key)"
                guard let micros = PriceTable.micros(value) else {
                    throw Problem(field: field, problem: "'\(value)' is not a price", fix: "write a decimal string such as \"0.0075\"")
                }
                if key == "default" {
                    table.micros[channel] = micros
                } else {
                    guard key.hasPrefix("+"), key.count > 1, key.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) else {
                        throw Problem(field: field, problem: "'\(key)' is not a destination prefix", fix: "use \"default\" or + and digits, e.g. \"+44\"")
                    }
                    table.prefixes[channel, default: [:]][key] = micros
                }
            }
        }
        return table
    }

    struct RouteEntry: Decodable {
        var channel: String
        var prefix: String?
        var connector: String
        var priority: Int?
        var weight: Int?
        /// Name of the only account the route serves.
        var account: String?
    }

    /// One connector; `type` is `smpp` or `simulator`. SMPP fields are optional with production defaults.
    struct ConnectorEntry: Decodable {
        var name: String
        var type: String
        var host: String?
        var port: Int?
        var system_id: String?
        var password: String?
        var system_type: String?
        var bind: String?
        var binds: Int?
        var window: Int?
        var throughput: Double?
        var response_timeout_ms: Int?
        var enquire_link_s: Int?
        var bind_wait_ms: Int?
        var alphabets: [String]?
        var concatenation: String?
        var submit_id_format: String?
        var receipt_id_format: String?
        var receipt_profile: String?
        var stat_words: [String: String]?
        var error_reasons: [String: String]?
        var accepted_is_final: Bool?
        var registered_delivery: UInt8?
        var service_type: String?
        var send_validity: Bool?
        var default_sender: String?
        var receipt_time_zone_offset_minutes: Int?
        // smtp (docs/integrations/email.md)
        var mode: String?
        var tls: String?
        var bounce_domain: String?
        var helo_name: String?
        var default_from: String?
        var concurrency: Int?
        var timeout_ms: Int?
        var require_tls: Bool?
        var ca_file: String?
        var tls_server_name: String?
        var username: String?
        var password_env: String?
        var bounce_secret_env: String?
        var bounce_previous_secret_env: String?
        var list_unsubscribe: Bool?
        var dkim: [DKIMEntry]?
        var static_mx: [String: [String]]?
        var per_domain_concurrency: Int?
        var resolver: String?
        var collect_replies: Bool?
        var per_domain_rate: Double?
        var pool_size: Int?
        var messages_per_connection: Int?
        var idle_timeout_ms: Int?
        // HTTP providers (docs/integrations/twilio.md)
        var base_url: String?
        var account_sid: String?
        var auth_token_env: String?
        var from: String?
        var messaging_service_sid: String?
        var api_key: String?
        var api_secret_env: String?
        var signature_secret_env: String?
        var signature_method: String?
        var phone_number_id: String?
        var access_token_env: String?
        var app_secret_env: String?
        var verify_token_env: String?
        var api_version: String?
    }

    /// `{"domain": "acme.test", "selector": "s1", "key_file": "/etc/herald/dkim-acme.pem"}` of an smtp connector.
    struct DKIMEntry: Decodable {
        var domain: String
        var selector: String
        var key_file: String
    }

    /// A problem in the file, naming the field and the fix.
    struct Problem: Error, CustomStringConvertible {
        var field: String
        var problem: String
        var fix: String
        var description: String { "config \(field): \(problem); \(fix)" }
    }

    static func load(path: String) throws -> ConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(field: "--config", problem: "cannot read '\(path)'", fix: "give the path of a readable JSON file")
        }
        do {
            let file = try JSONDecoder().decode(ConfigFile.self, from: data)
            try refuseUnknownKeys(data)
            return file
        } catch let problem as Problem {
            throw problem
        } catch let DecodingError.keyNotFound(key, context) {
            throw Problem(field: Self.path(context.codingPath + [key]), problem: "is missing", fix: "add it (see docs/integrations/smpp.md)")
        } catch let DecodingError.typeMismatch(_, context) {
            throw Problem(field: Self.path(context.codingPath), problem: "has the wrong type", fix: context.debugDescription)
        } catch let DecodingError.valueNotFound(_, context) {
            throw Problem(field: Self.path(context.codingPath), problem: "is null", fix: "give a value or leave the key out")
        } catch {
            throw Problem(field: "--config", problem: "'\(path)' is not valid JSON", fix: "\(error)")
        }
    }

    /// A key the file does not know is a mistake (a typo would otherwise be a silent default): named with the keys it
    /// could be. The known keys are the entries' own properties.
    private static func refuseUnknownKeys(_ data: Data) throws {
        guard let top = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
        func check(_ object: Any?, at field: String, known: [String]) throws {
            guard let object = object as? [String: Any] else { return }
            for key in object.keys.sorted() where !known.contains(key) {
                throw Problem(field: field.isEmpty ? key : field + "." + key, problem: "is not a setting Herald knows",
                              fix: "remove it or correct its spelling; known here: \(known.sorted().joined(separator: ", "))")
            }
        }
        try check(top, at: "", known: CodingKeys.allNames)
        for (index, entry) in (top["connectors"] as? [Any] ?? []).enumerated() {
            try check(entry, at: "connectors[\(index)]", known: Self.names(of: ConnectorEntry(name: "", type: "")))
        }
        for (index, entry) in (top["routes"] as? [Any] ?? []).enumerated() {
            try check(entry, at: "routes[\(index)]", known: Self.names(of: RouteEntry(channel: "", connector: "")))
        }
        try check(top["pricing"], at: "pricing", known: Self.names(of: PricingEntry()))
        for (index, entry) in (top["connectors"] as? [Any] ?? []).enumerated() {
            for (position, dkim) in ((entry as? [String: Any])?["dkim"] as? [Any] ?? []).enumerated() {
                try check(dkim, at: "connectors[\(index)].dkim[\(position)]", known: Self.names(of: DKIMEntry(domain: "", selector: "", key_file: "")))
            }
        }
    }

    private static func names(of entry: Any) -> [String] { Mirror(reflecting: entry).children.compactMap(\.label) }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    /// The SMPP connector configurations, validated.
    func smppConnectors() throws -> [SMPPConnectorConfiguration] {
        var names = Set<String>()
        var result: [SMPPConnectorConfiguration] = []
        for (index, entry) in connectors.enumerated() {
            let field = "connectors[\(index)]"
            guard !entry.name.isEmpty, names.insert(entry.name).inserted else {
                throw Problem(field: field + ".name", problem: "'\(entry.name)' is empty or used twice", fix: "give every connector its own name")
            }
            switch entry.type {
            case "simulator", "smtp", "twilio", "vonage", "whatsapp":
                continue
            case "smpp":
                result.append(try smpp(entry, field: field))
            default:
                throw Problem(field: field + ".type", problem: "'\(entry.type)' is not a connector type", fix: "use smpp, smtp, twilio, vonage, whatsapp or simulator")
            }
        }
        return result
    }

    /// The SMTP connector configurations, validated (names were checked by ``smppConnectors()``).
    func smtpConnectors() throws -> [SMTPConnectorConfiguration] {
        var result: [SMTPConnectorConfiguration] = []
        for (index, entry) in connectors.enumerated() where entry.type == "smtp" {
            let field = "connectors[\(index)]"
            let direct = entry.mode == "direct"
            guard let host = entry.host ?? (direct ? "" : nil), direct || !host.isEmpty else {
                throw Problem(field: field + ".host", problem: "is missing", fix: "give the relay's host name or address")
            }
            guard let port = entry.port ?? (direct ? 25 : nil), (1...65535).contains(port) else {
                throw Problem(field: field + ".port", problem: "is missing or not a TCP port", fix: "give the relay's SMTP port, e.g. 25 or 587")
            }
            guard let bounceDomain = entry.bounce_domain, bounceDomain.contains("."), !bounceDomain.contains("@") else {
                throw Problem(field: field + ".bounce_domain", problem: "is missing or not a domain",
                              fix: "give the domain whose mail comes back to Herald (bounces+<message id>@that domain), e.g. bounce.example.com")
            }
            guard let mode = SMTPConnectorConfiguration.Mode(rawValue: entry.mode ?? "relay") else {
                throw Problem(field: field + ".mode", problem: "'\(entry.mode ?? "")' is not a mode",
                              fix: "use relay (a smart host: your MTA or a provider) or direct (Herald talks to each domain's MX)")
            }
            if mode == .relay, entry.static_mx != nil || entry.per_domain_concurrency != nil {
                throw Problem(field: field + (entry.static_mx != nil ? ".static_mx" : ".per_domain_concurrency"), problem: "only applies with \"mode\": \"direct\"",
                              fix: "remove it, or set mode to direct")
            }
            var config = SMTPConnectorConfiguration(name: entry.name, host: host, port: port, bounceDomain: bounceDomain, helloName: entry.helo_name)
            config.mode = mode
            for (domain, targets) in entry.static_mx ?? [:] {
                var hosts: [MXResolver.Host] = []
                for (preference, target) in targets.enumerated() {
                    guard let (host, targetPort) = HostPort.parse(target, defaultPort: 25) else {
                        throw Problem(field: field + ".static_mx.\(domain)", problem: "'\(target)' is not HOST or HOST:PORT", fix: "e.g. \"127.0.0.1:2525\"")
                    }
                    hosts.append(.init(name: host, port: targetPort, preference: preference))
                }
                guard !hosts.isEmpty else {
                    throw Problem(field: field + ".static_mx.\(domain)", problem: "lists no host", fix: "give one or more HOST:PORT in preference order")
                }
                config.staticMX[domain.lowercased()] = hosts
            }
            if let resolver = entry.resolver {
                guard mode == .direct else {
                    throw Problem(field: field + ".resolver", problem: "only applies with \"mode\": \"direct\"", fix: "remove it, or set mode to direct")
                }
                let octets = resolver.split(separator: ":").first?.split(separator: ".", omittingEmptySubsequences: false) ?? []
                guard let nameserver = HostPort.parse(resolver, defaultPort: 53), octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else {
                    throw Problem(field: field + ".resolver", problem: "'\(resolver)' is not IPV4[:PORT]", fix: "e.g. \"127.0.0.53\" or \"10.0.0.2:53\"")
                }
                config.nameserver = (nameserver.host, nameserver.port)
            }
            if let perDomain = entry.per_domain_concurrency {
                guard (1...100).contains(perDomain) else {
                    throw Problem(field: field + ".per_domain_concurrency", problem: "\(perDomain) is out of range", fix: "give 1 to 100 connections")
                }
                config.perDomainConcurrency = perDomain
            }
            guard let tls = SMTPConnectorConfiguration.TLSMode(rawValue: entry.tls ?? (direct ? "opportunistic" : "none")) else {
                throw Problem(field: field + ".tls", problem: "'\(entry.tls ?? "")' is not a TLS mode",
                              fix: "use none (a relay on this host or network), starttls (port 587 or 25), implicit (port 465) or, in direct mode, opportunistic")
            }
            if tls == .opportunistic, mode != .direct {
                throw Problem(field: field + ".tls", problem: "opportunistic (certificate not verified) is for direct mode only",
                              fix: "towards a relay use starttls or implicit, which verify its certificate, or none on a trusted network")
            }
            config.tls = tls
            if let requireTLS = entry.require_tls {
                guard tls == .starttls else {
                    throw Problem(field: field + ".require_tls", problem: "only applies with \"tls\": \"starttls\"", fix: "remove it, or set tls to starttls")
                }
                config.requireTLS = requireTLS
            }
            if tls == .none || tls == .opportunistic, let key = [("ca_file", entry.ca_file), ("tls_server_name", entry.tls_server_name)].first(where: { $0.1 != nil })?.0 {
                throw Problem(field: field + "." + key, problem: tls == .none ? "needs TLS" : "has no effect with opportunistic TLS (no certificate is verified)",
                              fix: "set tls to starttls or implicit, or remove \(key)")
            }
            if let caFile = entry.ca_file {
                guard FileManager.default.isReadableFile(atPath: caFile) else {
                    throw Problem(field: field + ".ca_file", problem: "cannot read '\(caFile)'", fix: "give a readable PEM file of the CA certificates to trust")
                }
                config.caFile = caFile
            }
            if let name = entry.tls_server_name {
                guard !name.isEmpty, !name.contains(" ") else {
                    throw Problem(field: field + ".tls_server_name", problem: "'\(name)' is not a host name", fix: "give the name on the relay's certificate")
                }
                config.tlsServerName = name
            }
            if let variable = entry.bounce_secret_env {
                guard let secret = ProcessInfo.processInfo.environment[variable], secret.utf8.count >= 16 else {
                    throw Problem(field: field + ".bounce_secret_env", problem: "the environment variable \(variable) is not set or shorter than 16 characters",
                                  fix: "export \(variable) with a random secret (e.g. openssl rand -hex 32), the same on every node")
                }
                var previous: [String] = []
                if let variable = entry.bounce_previous_secret_env {
                    guard let old = ProcessInfo.processInfo.environment[variable], old.utf8.count >= 16 else {
                        throw Problem(field: field + ".bounce_previous_secret_env", problem: "the environment variable \(variable) is not set or shorter than 16 characters",
                                      fix: "export \(variable) with the secret bounce_secret_env held before the rotation, or remove bounce_previous_secret_env")
                    }
                    previous.append(old)
                }
                config.bounceToken = BounceToken(secret: secret, previous: previous)
            } else if entry.bounce_previous_secret_env != nil {
                throw Problem(field: field + ".bounce_previous_secret_env", problem: "needs bounce_secret_env (the secret that signs now)",
                              fix: "set bounce_secret_env, or remove bounce_previous_secret_env")
            }
            switch (entry.username, entry.password_env) {
            case (nil, nil): break
            case (let username?, let variable?):
                guard tls != .none, tls != .opportunistic else {
                    throw Problem(field: field + ".username", problem: "AUTH needs verified TLS (a password must not cross the network in clear or to an unverified server)",
                                  fix: "set tls to starttls or implicit")
                }
                guard !username.isEmpty else { throw Problem(field: field + ".username", problem: "is empty", fix: "give the relay's user name") }
                guard let password = ProcessInfo.processInfo.environment[variable], !password.isEmpty else {
                    throw Problem(field: field + ".password_env", problem: "the environment variable \(variable) is not set or empty",
                                  fix: "export \(variable) with the relay's password before starting Herald")
                }
                config.credentials = .init(username: username, password: password)
            case (nil, _):
                throw Problem(field: field + ".username", problem: "is missing (password_env is given)", fix: "give the relay's user name, or remove password_env")
            case (_, nil):
                throw Problem(field: field + ".password_env", problem: "is missing (username is given)",
                              fix: "name the environment variable that holds the password, e.g. \"SMTP_PASSWORD\"")
            }
            do {
                _ = try config.makeTLS()
            } catch {
                throw Problem(field: field + (config.caFile == nil ? ".tls" : ".ca_file"), problem: "cannot set up TLS: \(error)",
                              fix: "give a PEM file of CA certificates in ca_file")
            }
            config.defaultFrom = entry.default_from
            config.listUnsubscribe = entry.list_unsubscribe ?? true
            config.collectReplies = entry.collect_replies ?? false
            if let rate = entry.per_domain_rate {
                guard rate > 0, rate <= 100_000 else {
                    throw Problem(field: field + ".per_domain_rate", problem: "\(rate) is out of range", fix: "give messages per second to one domain, e.g. 10 (more than 0)")
                }
                config.perDomainRate = rate
            }
            for (position, dkim) in (entry.dkim ?? []).enumerated() {
                let dkimField = field + ".dkim[\(position)]"
                guard dkim.domain.contains("."), !dkim.domain.contains("@"), !dkim.domain.contains(" ") else {
                    throw Problem(field: dkimField + ".domain", problem: "'\(dkim.domain)' is not a domain", fix: "give the From domain to sign for, e.g. acme.com")
                }
                guard !dkim.selector.isEmpty, dkim.selector.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
                    throw Problem(field: dkimField + ".selector", problem: "'\(dkim.selector)' is not a selector", fix: "use letters, digits, '-' and '.', e.g. herald1")
                }
                guard let pem = try? String(contentsOfFile: dkim.key_file, encoding: .utf8) else {
                    throw Problem(field: dkimField + ".key_file", problem: "cannot read '\(dkim.key_file)'",
                                  fix: "give a readable PEM private key (openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048, or -algorithm ed25519)")
                }
                do {
                    config.dkim.append(try DKIMSigner(domain: dkim.domain, selector: dkim.selector, pem: pem))
                } catch {
                    throw Problem(field: dkimField + ".key_file", problem: "\(error)", fix: "give an RSA key of 1024 bits or more (2048 advised) or an Ed25519 key, in PEM")
                }
            }
            if let concurrency = entry.concurrency {
                guard (1...1000).contains(concurrency) else {
                    throw Problem(field: field + ".concurrency", problem: "\(concurrency) is out of range", fix: "give 1 to 1000 connections")
                }
                config.concurrency = concurrency
            }
            if let timeout = entry.timeout_ms {
                guard timeout >= 100 else { throw Problem(field: field + ".timeout_ms", problem: "\(timeout) is too short", fix: "give at least 100") }
                config.timeout = .milliseconds(Int64(timeout))
            }
            if let size = entry.pool_size {
                guard (0...1000).contains(size) else {
                    throw Problem(field: field + ".pool_size", problem: "\(size) is out of range", fix: "give 0 (a new connection per message) to 1000 connections kept open per server")
                }
                config.pool.idlePerServer = size
            }
            if let count = entry.messages_per_connection {
                guard (1...100_000).contains(count) else {
                    throw Problem(field: field + ".messages_per_connection", problem: "\(count) is out of range", fix: "give 1 (a new connection per message) to 100000")
                }
                config.pool.messagesPerConnection = count
            }
            if let idle = entry.idle_timeout_ms {
                guard (100...600_000).contains(idle) else {
                    throw Problem(field: field + ".idle_timeout_ms", problem: "\(idle) is out of range",
                                  fix: "give 100 to 600000 ms (servers end idle sessions after 60 to 300 s; keep below theirs)")
                }
                config.pool.idleTimeout = .milliseconds(Int64(idle))
            }
            result.append(config)
        }
        return result
    }

    var usesSimulator: Bool { connectors.isEmpty || connectors.contains { $0.type == "simulator" } }

    var simulatorName: String { connectors.first { $0.type == "simulator" }?.name ?? "simulator" }

    private func smpp(_ entry: ConnectorEntry, field: String) throws -> SMPPConnectorConfiguration {
        guard let systemID = entry.system_id, !systemID.isEmpty else {
            throw Problem(field: field + ".system_id", problem: "is missing", fix: "give the system_id your SMSC issued")
        }
        var config = SMPPConnectorConfiguration(name: entry.name, systemID: systemID, password: entry.password ?? "")
        config.host = entry.host ?? config.host
        if let port = entry.port {
            guard (1...65535).contains(port) else { throw Problem(field: field + ".port", problem: "\(port) is not a TCP port", fix: "use 1-65535 (2775 is usual)") }
            config.port = port
        }
        config.systemType = entry.system_type ?? ""
        if let bind = entry.bind {
            guard let mode = SMPPConnectorConfiguration.BindMode(rawValue: bind) else {
                throw Problem(field: field + ".bind", problem: "'\(bind)' is not a bind mode", fix: "use transceiver or transmitter+receiver")
            }
            config.bindMode = mode
        }
        config.binds = max(1, entry.binds ?? 1)
        config.window = max(1, entry.window ?? 10)
        config.throughput = max(0, entry.throughput ?? 0)
        if let ms = entry.response_timeout_ms { config.responseTimeout = .milliseconds(max(100, ms)) }
        if let s = entry.enquire_link_s { config.enquireLinkInterval = .seconds(max(1, s)) }
        if let ms = entry.bind_wait_ms { config.bindWait = .milliseconds(max(0, ms)) }
        if let names = entry.alphabets {
            var set = Set<SMSAlphabet>()
            for name in names {
                guard let alphabet = SMSAlphabet(rawValue: name) else {
                    throw Problem(field: field + ".alphabets", problem: "'\(name)' is not an alphabet", fix: "use GSM-7, Latin-1 and/or UCS-2")
                }
                set.insert(alphabet)
            }
            config.alphabets = set.union([.ucs2])
        }
        if let value = entry.concatenation {
            guard let mode = SMPPConcatenation(rawValue: value) else {
                throw Problem(field: field + ".concatenation", problem: "'\(value)' is not a concatenation", fix: "use udh8, udh16, sar or payload")
            }
            config.concatenation = mode
        }
        for (key, value, target) in [("submit_id_format", entry.submit_id_format, \SMPPConnectorConfiguration.submitIDFormat),
                                     ("receipt_id_format", entry.receipt_id_format, \SMPPConnectorConfiguration.receiptIDFormat)] {
            guard let value else { continue }
            guard let format = MessageIDFormat(rawValue: value) else {
                throw Problem(field: field + "." + key, problem: "'\(value)' is not an id format", fix: "use auto (the default), string, hex or decimal")
            }
            config[keyPath: target] = format
        }
        if let name = entry.receipt_profile {
            guard let profile = ReceiptProfile.named(name) else {
                throw Problem(field: field + ".receipt_profile", problem: "'\(name)' is not a built-in profile", fix: "use standard or vonage, and add stat_words / error_reasons")
            }
            config.receiptProfile = profile
        }
        for (word, status) in entry.stat_words ?? [:] {
            guard let value = MessageStatus(rawValue: status.uppercased()) else {
                throw Problem(field: field + ".stat_words.\(word)", problem: "'\(status)' is not a status", fix: "use SENT, DELIVERED, UNDELIVERED or EXPIRED")
            }
            config.receiptProfile.statWords[word.uppercased()] = value
        }
        for (code, reason) in entry.error_reasons ?? [:] {
            guard let value = ReasonCode(rawValue: reason.uppercased()) else {
                throw Problem(field: field + ".error_reasons.\(code)", problem: "'\(reason)' is not a reason code", fix: "use a code from GET /v1/reasons")
            }
            config.receiptProfile.errorReasons[ReceiptProfile.normaliseCode(code)] = value
        }
        config.receiptProfile.acceptedIsFinal = entry.accepted_is_final ?? false
        config.registeredDelivery = entry.registered_delivery ?? 1
        config.serviceType = entry.service_type ?? ""
        config.sendValidity = entry.send_validity ?? true
        config.defaultSender = entry.default_sender ?? config.defaultSender
        if let minutes = entry.receipt_time_zone_offset_minutes {
            guard (-14 * 60...14 * 60).contains(minutes) else {
                throw Problem(field: field + ".receipt_time_zone_offset_minutes", problem: "\(minutes) is not a UTC offset", fix: "use -840 to 840 (e.g. 60 for UTC+1)")
            }
            config.receiptTimeZoneOffset = minutes * 60
        }
        return config
    }

    /// The routes, checked against the connector names.
    func routeTable() throws -> [ConnectorRegistry.Route] {
        let names = Set(connectors.map(\.name))
        return try routes.enumerated().map { index, route in
            guard let channel = Channel(rawValue: route.channel) else {
                throw Problem(field: "routes[\(index)].channel", problem: "'\(route.channel)' is not a channel", fix: "use sms, email or chat")
            }
            guard names.contains(route.connector) else {
                throw Problem(field: "routes[\(index)].connector", problem: "no connector is named '\(route.connector)'", fix: "use one of: \(names.sorted().joined(separator: ", "))")
            }
            if let weight = route.weight, weight < 1 {
                throw Problem(field: "routes[\(index)].weight", problem: "\(weight) is not a weight", fix: "use 1 or more (the share of traffic among equal routes)")
            }
            if let account = route.account, account.isEmpty {
                throw Problem(field: "routes[\(index)].account", problem: "the account name is empty", fix: "name an account, or leave account out for every account")
            }
            return ConnectorRegistry.Route(channel: channel, prefix: route.prefix ?? "", connector: route.connector,
                                           priority: route.priority ?? 0, weight: route.weight ?? 1, account: route.account)
        }
    }
}
