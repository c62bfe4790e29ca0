import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HeraldConnectors
import HeraldCore
import HeraldDashboard
import HeraldEngine
import HeraldHTTP
import HeraldLinks
import HeraldSQLite
import HeraldStore
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// The harness's services stopped before its server listened, without an error of their own.
struct HarnessStopped: Error, CustomStringConvertible {
    var description: String { "the harness's services stopped before the server listened" }
}

/// Refuses every redirect, so a test sees the 302 itself.
final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
                    completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

/// A whole Herald (SQLite, simulator, dispatcher, receipts, HTTP) on a free loopback port, used over real HTTP.
struct APIHarness {
    static let noRedirects = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)

    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var contentType: String { headers["Content-Type"] ?? headers["content-type"] ?? "" }
    }

    let baseURL: URL
    let store: SQLiteStore
    let key: String
    let otherKey: String
    /// An operator key (of account "ops").
    let operatorKey: String
    /// Herald's signed links, as `serve --public-url https://herald.test` makes them.
    let links: LinkSigner

    /// Runs Herald for the duration of `body`.
    static func run(metrics: (@Sendable () -> String)? = nil, rateLimiter: KeyRateLimiter = KeyRateLimiter(), limits: RequestLimits = RequestLimits(),
                    _ body: @Sendable @escaping (APIHarness) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-http-\(UUID().uuidString).sqlite").path
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        let key = try await APIKeys.create(for: try await store.ensureAccount(named: "acme"), store: store)
        let otherKey = try await APIKeys.create(for: try await store.ensureAccount(named: "other"), store: store)
        let operatorKey = try await APIKeys.create(for: try await store.ensureAccount(named: "ops"), role: .operator, store: store)
        let sink = ReceiptSink()
        let simulator = SimulatorConnector(configuration: SimulatorConfiguration(mix: [(.delivered, 1)], receiptDelay: 0.005...0.02, duplicateRate: 0, reorderRate: 0), sink: sink, tick: .milliseconds(2))
        let routes = [ConnectorRegistry.Route(channel: .sms, prefix: "+1", connector: "simulator")]
        let registry = ConnectorRegistry([simulator], routes: routes)
        let dispatcher = Dispatcher(store: store, connectors: registry, configuration: .init(workers: 2, pollInterval: .milliseconds(20)))
        let links = LinkSigner(publicURL: "https://herald.test") { try await store.callbackSecret(accountID: $0) }
        let api = HeraldAPI(gateway: Gateway(store: store, signal: dispatcher.signal), connectors: [simulator], links: links, metrics: metrics,
                             rateLimiter: rateLimiter, limits: limits)
        let port = Mutex<Int?>(nil)
        let (started, startedContinuation) = AsyncStream.makeStream(of: Int.self)
        let router = api.router(otherRoutes: Dashboard.routes)
        try Dashboard(api: api, registry: registry).addRoutes(to: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                let value = channel.localAddress?.port ?? 0
                port.withLock { $0 = value }
                startedContinuation.yield(value)
            },
            logger: Logger(label: "test.http")
        )
        let group = ServiceGroup(services: [store, ReceiptIngestor(store: store, sink: sink), simulator, dispatcher, api.keyCache, app], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                // A group that stops before the server listens (a service failed to start) ends the wait below.
                defer { startedContinuation.finish() }
                try await group.run()
            }
            var iterator = started.makeAsyncIterator()
            guard let boundPort = await iterator.next() else {
                try await tasks.waitForAll()  // rethrows why the group stopped
                throw HarnessStopped()
            }
            let harness = APIHarness(baseURL: URL(string: "http://127.0.0.1:\(boundPort)")!, store: store, key: key, otherKey: otherKey,
                                     operatorKey: operatorKey, links: links)
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

    func request(_ method: String, _ path: String, json: Any? = nil, raw: String? = nil, key: String?? = .none, headers: [String: String] = [:],
                 body: String? = nil, followRedirects: Bool = true) async throws -> Reply {
        var request = URLRequest(url: URL(string: path, relativeTo: baseURL)!)
        request.httpMethod = method
        let chosenKey: String? = switch key {
        case .none: self.key
        case .some(let value): value
        }
        if let chosenKey { request.setValue("Bearer \(chosenKey)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let raw {
            request.httpBody = Data(raw.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = Data(body.utf8)
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await (followRedirects ? URLSession.shared : Self.noRedirects).data(for: request)
        let http = response as! HTTPURLResponse
        var replyHeaders: [String: String] = [:]
        for (name, value) in http.allHeaderFields { replyHeaders["\(name)"] = "\(value)" }
        return Reply(status: http.statusCode, headers: replyHeaders, body: data)
    }

    /// Runs curl with this harness's API key and returns what it printed (for streams URLSession cannot read on Linux).
    /// curl gives up after 30 s unless `arguments` set `--max-time`: a request the server never ends fails the test
    /// instead of hanging the run.
    func curl(_ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-H", "Authorization: Bearer \(key)"] + (arguments.contains("--max-time") ? [] : ["--max-time", "30"]) + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        let output = Mutex(Data())
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            output.withLock { $0.append(chunk) }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            process.terminationHandler = { _ in continuation.resume() }
            do { try process.run() } catch { continuation.resume() }
        }
        pipe.fileHandleForReading.readabilityHandler = nil
        let rest = pipe.fileHandleForReading.readDataToEndOfFile()
        return output.withLock { String(decoding: $0 + rest, as: UTF8.self) }
    }

    /// Polls a message until its status is final (real time; the simulator answers in milliseconds).
    func waitForFinal(_ id: String, query: String = "", timeout: TimeInterval = 10) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try await request("GET", "/v1/messages/\(id)\(query)")
            if reply.json["final"] as? Bool == true || Date() > deadline { return reply.json }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
