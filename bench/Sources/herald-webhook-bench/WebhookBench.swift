import Foundation
import HeraldCore
import HeraldSQLite
import HeraldStore
import HeraldWebhooks
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// Callback dispatch rate: N deliveries stored, a `WebhookSender` POSTing them to a local receiver on 127.0.0.1 until
/// every one is acknowledged. Prints callbacks/s, the attempts' p50/p99 latency and RSS.
/// `swift run -c release herald-webhook-bench [deliveries] [endpoints] [concurrency] [nio|hummingbird]`: the receiver
/// is SwiftNIO's HTTP server with a counting handler (``PlainReceiver``, default) or a Hummingbird router.
@main
struct WebhookBench {
    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst().compactMap(Int.init)
        let total = arguments.first ?? 50_000
        let endpoints = arguments.count > 1 ? arguments[1] : 4
        let concurrency = arguments.count > 2 ? arguments[2] : 64
        let receiverKind = CommandLine.arguments.dropFirst(4).first ?? "nio"
        guard receiverKind == "nio" || receiverKind == "hummingbird" else {
            print("receiver must be nio or hummingbird")
            return
        }
        let plain = receiverKind == "nio" ? try await PlainReceiver() : nil
        LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-webhook-bench-\(UUID().uuidString).sqlite").path
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        let account = try await store.ensureAccount(named: "bench")
        let received = Atomic<Int>(0)
        let router = Router()
        router.post("hook/:n") { _, _ -> Response in
            received.add(1, ordering: .relaxed)
            return Response(status: .noContent)
        }
        let (started, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
        var configuration = WebhookSender.Configuration()
        configuration.addresses = AddressPolicy(allowPrivate: true)
        configuration.concurrency = concurrency
        configuration.perEndpoint = max(1, concurrency / endpoints)
        configuration.pollInterval = .milliseconds(5)
        let sender = WebhookSender(store: store, configuration: configuration)
        let group = ServiceGroup(services: [store, app], logger: Logger(label: "bench"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = started.makeAsyncIterator()
            guard let hummingbirdPort = await iterator.next() else { return }
            let port = plain?.port ?? hummingbirdPort
            var hooks: [Webhook] = []
            for index in 0..<endpoints {
                let hook = Webhook(id: HeraldID.make(.webhook), accountID: account.id, url: "http://127.0.0.1:\(port)/hook/\(index)", events: [],
                                   secret: WebhookSecret.make(), createdAt: Date())
                try await store.createWebhook(hook)
                hooks.append(hook)
            }
            let payload = #"{"account_id":"acc","event":"DELIVERED","id":"evt","message_id":"msg","sequence":1,"status":"DELIVERED","type":"message.status"}"#
            let now = Date()
            for start in stride(from: 0, to: total, by: 5_000) {
                let batch = (start..<min(total, start + 5_000)).map { index in
                    let hook = hooks[index % hooks.count]
                    return WebhookDelivery(accountID: account.id, webhookID: hook.id, url: hook.url, eventID: "evt_\(index)", messageID: "msg_\(index)",
                                           sequence: Int64(index), payload: payload, nextAttemptAt: now, createdAt: now)
                }
                try await store.enqueueDeliveries(batch, cursorName: "bench", cursor: FeedCursor(seq: Int64(start)))
            }
            let clock = ContinuousClock.now
            tasks.addTask { try await sender.run() }
            while (plain?.count ?? received.load(ordering: .relaxed)) < total { try await Task.sleep(for: .milliseconds(10)) }
            let elapsed = ContinuousClock.now - clock
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            try await Task.sleep(for: .milliseconds(300))  // the last attempts recorded
            var latencies: [Int] = []
            for hook in hooks {
                for (_, attempts) in try await store.deliveries(webhookID: hook.id, accountID: account.id, limit: 500) ?? [] {
                    latencies += attempts.map(\.latencyMs)
                }
            }
            latencies.sort()
            let p50 = latencies.isEmpty ? 0 : latencies[latencies.count / 2]
            let p99 = latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
            let rss = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix("VmHWM") } ?? ""
            print("callbacks=\(total) endpoints=\(endpoints) concurrency=\(concurrency) receiver=\(receiverKind) "
                + String(format: "elapsed=%.2f s rate=%.0f callbacks/s", seconds, Double(total) / seconds))
            print("attempt latency (sample of the last 500 per endpoint): p50=\(p50) ms p99=\(p99) ms")
            print("peak RSS (sender, receiver and SQLite in one process): \(rss.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "?")")
            await group.triggerGracefulShutdown()
            tasks.cancelAll()
            try await plain?.shutdown()
        }
        try? FileManager.default.removeItem(atPath: path)
    }
}
