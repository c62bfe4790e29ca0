import AsyncHTTPClient
import FakeProviders
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HeraldConnectors
import HeraldCore
import HeraldEngine
import HeraldHTTP
import HeraldProviders
import HeraldSQLite
import HeraldStore
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Herald (SQLite, dispatcher, receipts, inbound, HTTP) with a Twilio connector, and `herald fake-provider twilio`'s
/// server, both on loopback ports, talking to each other over real HTTP both ways.
struct ProviderHarness {
    struct Reply {
        var status: Int
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    let baseURL: URL
    let fakeURL: URL
    let store: SQLiteStore
    let key: String
    let intake: ProviderCallbackIntake

    static let accountSID = "AC00000000000000000000000000000001"
    static let authToken = "harness-token"

    /// `count` ports nothing listens on now (the kernel's next ephemeral ones, all held until each is known, so they
    /// differ); both servers need theirs before either starts, because each names the other's address.
    static func freePorts(_ count: Int) -> [Int] {
        var sockets: [Int32] = []
        defer { for fd in sockets { close(fd) } }
        return (0..<count).map { _ in
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
            return Int(UInt16(bigEndian: address.sin_port))
        }
    }

    /// Herald with a Twilio connector named `tw` against a fake Twilio.
    static func run(fake configure: (inout FakeTwilio.Configuration) -> Void = { _ in },
                    _ body: @Sendable @escaping (ProviderHarness) async throws -> Void) async throws {
        try await run(connector: "tw", provider: { publicURL, fakePort, inboundURL, listening in
            var configuration = FakeTwilio.Configuration()
            configuration.port = fakePort
            configuration.accountSID = accountSID
            configuration.authToken = authToken
            configuration.behaviour.delayMs = 5...30
            configuration.inboundURL = inboundURL
            configure(&configuration)
            return FakeTwilio(configuration: configuration, onListening: listening)
        }, connect: { publicURL, fakePort, client in
            TwilioConnector(configuration: TwilioConfiguration(name: "tw", baseURL: "http://127.0.0.1:\(fakePort)", accountSID: accountSID,
                                                               authToken: authToken, from: "+15005550006", publicURL: publicURL), client: client)
        }, body)
    }

    static let vonageSignatureSecret = "harness-signature-secret"

    /// Herald with a Vonage connector named `vg` against a fake Vonage (signed requests when `apiSecret` is nil).
    static func runVonage(apiSecret: String? = "harness-api-secret", method: VonageSignature.Method = .sha256,
                          fake configure: (inout FakeVonage.Configuration) -> Void = { _ in },
                          _ body: @Sendable @escaping (ProviderHarness) async throws -> Void) async throws {
        try await run(connector: "vg", provider: { publicURL, fakePort, inboundURL, listening in
            var configuration = FakeVonage.Configuration()
            configuration.port = fakePort
            configuration.apiKey = "harnesskey"
            configuration.apiSecret = "harness-api-secret"
            configuration.signatureSecret = vonageSignatureSecret
            configuration.signatureMethod = method
            configuration.behaviour.delayMs = 5...30
            configuration.inboundURL = inboundURL
            configure(&configuration)
            return FakeVonage(configuration: configuration, onListening: listening)
        }, connect: { publicURL, fakePort, client in
            VonageConnector(configuration: VonageConfiguration(name: "vg", baseURL: "http://127.0.0.1:\(fakePort)", apiKey: "harnesskey", apiSecret: apiSecret,
                                                               signatureSecret: vonageSignatureSecret, signatureMethod: method, from: "Acme", publicURL: publicURL),
                            client: client)
        }, body)
    }

    static let whatsAppSecret = "harness-app-secret"

    /// Herald with a WhatsApp connector named `wa` against a fake WhatsApp Cloud API whose notifications go to
    /// `/v1/providers/wa/status`.
    static func runWhatsApp(fake configure: (inout FakeWhatsApp.Configuration) -> Void = { _ in },
                            _ body: @Sendable @escaping (ProviderHarness) async throws -> Void) async throws {
        try await run(connector: "wa", provider: { publicURL, fakePort, _, listening in
            var configuration = FakeWhatsApp.Configuration()
            configuration.port = fakePort
            configuration.accessToken = "harness-token"
            configuration.appSecret = whatsAppSecret
            configuration.verifyToken = "harness-verify"
            configuration.webhookURL = publicURL + "/v1/providers/wa/status"
            configuration.behaviour.delayMs = 5...30
            configure(&configuration)
            return FakeWhatsApp(configuration: configuration, onListening: listening)
        }, connect: { _, fakePort, client in
            WhatsAppConnector(configuration: WhatsAppConfiguration(name: "wa", baseURL: "http://127.0.0.1:\(fakePort)", phoneNumberID: "106540352242922",
                                                                   accessToken: "harness-token", appSecret: whatsAppSecret, verifyToken: "harness-verify"),
                              client: client)
        }, body)
    }

    static func run(connector name: String,
                    provider: (_ publicURL: String, _ fakePort: Int, _ inboundURL: String, _ listening: @escaping @Sendable (Int) -> Void) -> any Service,
                    connect: (_ publicURL: String, _ fakePort: Int, _ client: HTTPClient) -> any ProviderCallbackHandling,
                    _ body: @Sendable @escaping (ProviderHarness) async throws -> Void) async throws {
        // Both ports are picked before either server starts, so another socket may take one in between (an outgoing
        // connection's ephemeral port, from the tests running alongside): then both start again on new ports.
        var attempt = 1
        while true {
            do {
                return try await runOnce(connector: name, provider: provider, connect: connect, body)
            } catch let error as IOError where error.errnoCode == EADDRINUSE && attempt < 5 {
                attempt += 1
            }
        }
    }

    /// The servers stopped before both listened, without an error of their own.
    struct Stopped: Error, CustomStringConvertible {
        var description: String { "the harness's services stopped before both servers listened" }
    }

    private static func runOnce(connector name: String,
                                provider: (_ publicURL: String, _ fakePort: Int, _ inboundURL: String, _ listening: @escaping @Sendable (Int) -> Void) -> any Service,
                                connect: (_ publicURL: String, _ fakePort: Int, _ client: HTTPClient) -> any ProviderCallbackHandling,
                                _ body: @Sendable @escaping (ProviderHarness) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-providers-\(UUID().uuidString).sqlite").path
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        let key = try await APIKeys.create(for: try await store.ensureAccount(named: "acme"), store: store)
        let ports = freePorts(2)
        let heraldPort = ports[0], fakePort = ports[1]
        let publicURL = "http://127.0.0.1:\(heraldPort)"
        let (listening, listeningContinuation) = AsyncStream.makeStream(of: Int.self)
        let fake = provider(publicURL, fakePort, publicURL + "/v1/providers/\(name)/inbound") { listeningContinuation.yield($0) }
        let http = ProviderHTTPClient()
        let connector = connect(publicURL, fakePort, http.client)
        let sink = ReceiptSink()
        let inbound = InboundRecorder(store: store)
        let intake = ProviderCallbackIntake(store: store, sink: sink) { message, stored in
            inbound.deliver(message, acknowledge: { stored(true) }, giveUp: { stored(false) })
        }
        let dispatcher = Dispatcher(store: store, connectors: ConnectorRegistry([connector]),
                                    configuration: .init(workers: 2, pollInterval: .milliseconds(20), retry: RetryPolicy(baseDelay: 0.2, jitter: 0)))
        let api = HeraldAPI(gateway: Gateway(store: store, signal: dispatcher.signal), connectors: [connector], providerIntake: intake, publicURL: publicURL)
        let app = Application(router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: heraldPort)),
                              onServerRunning: { listeningContinuation.yield($0.localAddress?.port ?? 0) }, logger: Logger(label: "test.http"))
        let ingestor = ReceiptIngestor(store: store, sink: sink, retry: RetryPolicy(baseDelay: 0.2, jitter: 0))
        let group = ServiceGroup(services: [store, ingestor, inbound, fake, http, dispatcher, app], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                // A group that stops before both servers listen (a port taken, a service failed) ends the wait below.
                defer { listeningContinuation.finish() }
                try await group.run()
            }
            var ports = listening.makeAsyncIterator()
            guard await ports.next() != nil, await ports.next() != nil else {
                try await tasks.waitForAll()  // rethrows why the group stopped: a taken port is tried again
                throw Stopped()
            }
            let harness = ProviderHarness(baseURL: URL(string: publicURL)!, fakeURL: URL(string: "http://127.0.0.1:\(fakePort)")!, store: store, key: key,
                                          intake: intake)
            do {
                try await body(harness)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func request(_ method: String, _ url: URL, json: Any? = nil, form: String? = nil, headers: [String: String] = [:], authorized: Bool = true) async throws -> Reply {
        var request = URLRequest(url: url)
        request.httpMethod = method
        if authorized { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let form {
            request.httpBody = Data(form.utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return Reply(status: (response as! HTTPURLResponse).statusCode, body: data)
    }

    func send(_ message: [String: Any]) async throws -> String {
        let reply = try await request("POST", baseURL.appendingPathComponent("v1/messages"), json: message)
        guard reply.status == 202, let id = reply.json["id"] as? String else {
            throw HarnessError(text: "send answered \(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
        }
        return id
    }

    /// Waits until the message is final (its callbacks arrive within milliseconds), up to `timeout`.
    func waitForFinal(_ id: String, timeout: TimeInterval = 60) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try await request("GET", baseURL.appendingPathComponent("v1/messages/\(id)"))
            if reply.json["final"] as? Bool == true || Date() > deadline { return reply.json }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    struct HarnessError: Error, CustomStringConvertible {
        var text: String
        var description: String { text }
    }
}

extension [String: Any] {
    var timeline: [[String: Any]] { self["timeline"] as? [[String: Any]] ?? [] }
    var reasonCode: String? { (self["reason"] as? [String: Any])?["code"] as? String }
}
