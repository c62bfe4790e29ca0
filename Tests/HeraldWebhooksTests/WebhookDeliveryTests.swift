import Foundation
import HeraldCore
import HeraldSQLite
import HeraldStore
import HeraldWebhooks
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A local receiver: `/flaky` fails three times with 500, then stalls once past the sender's timeout, then accepts;
/// `/healthy` accepts; `/hang` answers only once the test releases it (``releaseHang``). Records every request.
final class Receiver: Sendable {
    struct Received: Sendable {
        var path: String
        var body: String
        var signature: String
        var eventID: String
    }

    let received = Mutex<[Received]>([])
    let flakyCalls = Mutex(0)
    let hangReleased = Mutex(false)
    let hanging = Mutex(0)

    func releaseHang() { hangReleased.withLock { $0 = true } }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        for path in ["flaky", "healthy", "hang"] {
            router.post(RouterPath(path)) { request, context -> Response in
                let body = try await request.body.collect(upTo: 1 << 20)
                let call: Int = path == "flaky" ? self.flakyCalls.withLock { $0 += 1; return $0 } : 0
                if path == "hang" {
                    self.hanging.withLock { $0 += 1 }
                    // Held until the test releases it (a minute at most, so a failed test still ends).
                    for _ in 0..<6_000 where !self.hangReleased.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(10)) }
                }
                if path == "flaky", call <= 3 { return Response(status: .internalServerError) }
                if path == "flaky", call == 4 { try? await Task.sleep(for: .seconds(4)) }
                self.received.withLock {
                    $0.append(Received(path: path, body: String(buffer: body), signature: request.headers[HTTPField.Name("Herald-Signature")!] ?? "",
                                       eventID: request.headers[HTTPField.Name("Herald-Event-Id")!] ?? ""))
                }
                return Response(status: .noContent)
            }
        }
        return router
    }
}

@Suite("Webhook delivery over loopback", .serialized)
struct WebhookDeliveryTests {
    /// A store, a receiver on a free port and a running sender for the body.
    static func run(configure: (inout WebhookSender.Configuration) -> Void = { _ in }, clock: any WallClock = SystemWallClock(),
                    _ body: @Sendable @escaping (any HeraldStore, Account, Int, Receiver) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-webhooks-\(UUID().uuidString).sqlite").path
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        let account = try await store.ensureAccount(named: "acme")
        let receiver = Receiver()
        var configuration = WebhookSender.Configuration()
        configuration.addresses = AddressPolicy(allowPrivate: true)
        configuration.schedule = WebhookSchedule(delays: Array(repeating: 0.05, count: 12), jitter: 0)
        configuration.timeout = .seconds(2)
        configuration.pollInterval = .milliseconds(20)
        configure(&configuration)
        let sender = WebhookSender(store: store, configuration: configuration, clock: clock)
        let (started, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: receiver.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: Logger(label: "test.receiver"))
        // The group's start and stop in the test log, service by service: one run in several hung here, and the log
        // is what tells which service did not stop (docs/RELIABILITY.md).
        var groupLogger = Logger(label: "test.webhooks.group")
        groupLogger.logLevel = .debug
        let group = ServiceGroup(services: [store, app, sender], logger: groupLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                // A group that stops before the receiver listens (a service failed to start) ends the wait below.
                defer { continuation.finish() }
                try await group.run()
            }
            var iterator = started.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await tasks.waitForAll()  // rethrows why the group stopped
                Issue.record("the services stopped before the receiver listened")
                return
            }
            do {
                try await body(store, account, port, receiver)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static func waitUntil(_ deadline: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(25))
        }
        return false
    }

    @Test("an endpoint that fails, times out and recovers gets every event at least once, signed, in an order its sequence recovers")
    func atLeastOnce() async throws {
        try await Self.run { store, account, port, receiver in
            let secret = "whsec_0123456789abcdefghijklmn"
            let hook = Webhook(id: HeraldID.make(.webhook), accountID: account.id, url: "http://127.0.0.1:\(port)/flaky", events: [], secret: secret, createdAt: Date())
            try await store.createWebhook(hook)
            let now = Date()
            let messages = (0..<4).map { index -> NewMessage in
                let draft = try! MessageValidator().validate(SendRequest(channel: "sms", to: "+1415555\(2000 + index)", text: "hi \(index)")).get()
                return NewMessage(accountID: account.id, draft: draft, createdAt: now, priceMicros: 7_500)
            }
            _ = try await store.accept(messages)
            _ = try await store.claim(owner: "w", limit: 10, now: now, leaseUntil: now.addingTimeInterval(30))
            let expected = Set(try await store.feed(accountID: account.id, after: .start, limit: 100).map(\.event.id))
            #expect(expected.count == 8)
            let done = try await Self.waitUntil {
                try await store.deliveries(webhookID: hook.id, accountID: account.id, limit: 100)?.allSatisfy { $0.0.state == .delivered } == true
            }
            #expect(done)
            let received = receiver.received.withLock { $0 }
            #expect(expected.isSubset(of: Set(received.map(\.eventID))))
            for request in received {
                #expect(WebhookSignature.verify(header: request.signature, body: Array(request.body.utf8), secret: secret, now: Date())  == nil)
            }
            // Per message, sorting by sequence gives QUEUED before SENDING whatever the arrival order.
            struct Body: Decodable { var message_id: String; var sequence: Int64; var event: String }
            let bodies = try received.map { try JSONDecoder().decode(Body.self, from: Data($0.body.utf8)) }
            for (_, events) in Dictionary(grouping: bodies, by: \.message_id) {
                let ordered = events.sorted { $0.sequence < $1.sequence }.map(\.event)
                #expect(ordered.first == "QUEUED")
                #expect(ordered.last == "SENDING")
            }
            let history = try #require(try await store.deliveries(webhookID: hook.id, accountID: account.id, limit: 100))
            let attempts = history.flatMap(\.1)
            #expect(attempts.filter { $0.statusCode == 500 }.count == 3)
            #expect(attempts.contains { $0.statusCode == nil && $0.error != nil })  // the timeout
            #expect(attempts.filter { $0.statusCode == 204 }.count == 8)
        }
    }

    @Test("a hanging endpoint does not hold up another endpoint's callbacks")
    func isolation() async throws {
        // The hanging endpoint answers nothing until the healthy one has all its callbacks: if it held them up, they
        // would never all arrive while it hangs. No time window is involved.
        try await Self.run(configure: { $0.timeout = .seconds(120); $0.perEndpoint = 2; $0.concurrency = 8 }) { store, account, port, receiver in
            let dead = Webhook(id: HeraldID.make(.webhook), accountID: account.id, url: "http://127.0.0.1:\(port)/hang", events: [],
                               secret: WebhookSecret.make(), createdAt: Date())
            let alive = Webhook(id: HeraldID.make(.webhook), accountID: account.id, url: "http://127.0.0.1:\(port)/healthy", events: [],
                                secret: WebhookSecret.make(), createdAt: Date().addingTimeInterval(1))
            try await store.createWebhook(dead)
            try await store.createWebhook(alive)
            let now = Date()
            let messages = (0..<20).map { index -> NewMessage in
                let draft = try! MessageValidator().validate(SendRequest(channel: "sms", to: "+1415555\(3000 + index)", text: "hi \(index)")).get()
                return NewMessage(accountID: account.id, draft: draft, createdAt: now, priceMicros: 7_500)
            }
            _ = try await store.accept(messages)
            let healthy = try await Self.waitUntil(.seconds(60)) {
                receiver.received.withLock { $0.filter { $0.path == "healthy" }.count } == 20
            }
            let got = receiver.received.withLock { $0.filter { $0.path == "healthy" }.count }
            let states = try await store.deliveries(webhookID: alive.id, accountID: account.id, limit: 100)?.map { "\($0.0.state.rawValue)/\($0.1.count)" } ?? []
            #expect(healthy, "the healthy endpoint got its 20 callbacks while the other hangs (got \(got); \(states))")
            #expect(receiver.hanging.withLock { $0 } >= 1, "the hanging endpoint was being called meanwhile")
            #expect(receiver.received.withLock { $0.filter { $0.path == "hang" }.isEmpty }, "and had answered nothing")
            receiver.releaseHang()
        }
    }

    /// A wall clock the test moves.
    final class MovableClock: WallClock {
        let offset = Mutex<TimeInterval>(0)
        func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    }

    @Test("after a secret rotation callbacks carry both signatures until the grace ends; a sender that read the old secret reads the new one within its TTL")
    func rotation() async throws {
        let clock = MovableClock()
        try await Self.run(clock: clock) { store, account, port, receiver in
            let hook = Webhook(id: HeraldID.make(.webhook), accountID: account.id, url: "http://127.0.0.1:\(port)/healthy", events: ["QUEUED"],
                               secret: "old-secret-0123456789", createdAt: Date())
            try await store.createWebhook(hook)
            func send(_ index: Int) async throws {
                let draft = try MessageValidator().validate(SendRequest(channel: "sms", to: "+1415555\(4100 + index)", text: "hi")).get()
                _ = try await store.accept([NewMessage(accountID: account.id, draft: draft, createdAt: Date(), priceMicros: 7_500)])
            }
            try await send(0)
            #expect(try await Self.waitUntil { receiver.received.withLock { $0.count } == 1 })
            let first = try #require(receiver.received.withLock { $0.first })
            #expect(first.signature.components(separatedBy: "v1=").count == 2, "one signature before the rotation")

            let rotated = try #require(try await store.rotateWebhookSecret(id: hook.id, accountID: account.id, secret: "new-secret-0123456789",
                                                                           previousUntil: Date().addingTimeInterval(3600)))
            #expect(rotated.secret == "new-secret-0123456789" && rotated.previousSecret == "old-secret-0123456789")
            #expect(try await store.rotateWebhookSecret(id: hook.id, accountID: "acc_other", secret: "x", previousUntil: Date()) == nil)
            clock.offset.withLock { $0 = WebhookSender.secretTTL + 1 }
            try await send(1)
            #expect(try await Self.waitUntil { receiver.received.withLock { $0.count } == 2 })
            let second = try #require(receiver.received.withLock { $0.last })
            #expect(second.signature.components(separatedBy: "v1=").count == 3, "two signatures during the grace period: \(second.signature)")
            for secret in ["old-secret-0123456789", "new-secret-0123456789"] {
                #expect(WebhookSignature.verify(header: second.signature, body: Data(second.body.utf8), secret: secret, now: Date(), tolerance: 300) == nil)
            }
        }
    }

    @Test("a batched webhook gets many events per POST, each signed body a JSON object of events in feed order, every delivery recorded")
    func batched() async throws {
        try await Self.run { store, account, port, receiver in
            let hook = Webhook(id: HeraldID.make(.webhook), accountID: account.id, url: "http://127.0.0.1:\(port)/healthy", events: [],
                               secret: WebhookSecret.make(), createdAt: Date(), batch: Webhook.Batch(maxEvents: 5, maxLatencyMs: 50))
            try await store.createWebhook(hook)
            let now = Date()
            let messages = (0..<12).map { index -> NewMessage in
                let draft = try! MessageValidator().validate(SendRequest(channel: "sms", to: "+1415555\(4000 + index)", text: "hi \(index)")).get()
                return NewMessage(accountID: account.id, draft: draft, createdAt: now, priceMicros: 7_500)
            }
            _ = try await store.accept(messages)
            var events: [[String: Any]] = []
            let all = try await Self.waitUntil {
                events = receiver.received.withLock { received in
                    received.flatMap { request -> [[String: Any]] in
                        let object = (try? JSONSerialization.jsonObject(with: Data(request.body.utf8))) as? [String: Any]
                        return object?["events"] as? [[String: Any]] ?? []
                    }
                }
                return events.count >= 12
            }
            #expect(all, "got \(events.count) of 12 events")
            let requests = receiver.received.withLock { $0 }
            #expect(requests.count < 12)
            for request in requests {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
                #expect(object["type"] as? String == "message.events")
                let batch = try #require(object["events"] as? [[String: Any]])
                #expect(object["count"] as? Int == batch.count)
                #expect((1...5).contains(batch.count))
                #expect(request.eventID == batch.first?["id"] as? String)
                #expect(WebhookSignature.verify(header: request.signature, body: Data(request.body.utf8), secret: hook.secret, now: Date(), tolerance: 300) == nil)
            }
            #expect(Set(events.compactMap { $0["message_id"] as? String }) == Set(messages.map(\.id)))
            #expect(events.map { $0["sequence"] as? Int ?? 0 } == events.map { $0["sequence"] as? Int ?? 0 }.sorted())
            let states = try await Self.waitUntil {
                let deliveries = try await store.deliveries(webhookID: hook.id, accountID: account.id, limit: 100) ?? []
                return deliveries.count == 12 && deliveries.allSatisfy { $0.0.state == .delivered && $0.1.count == 1 }
            }
            #expect(states, "every delivery of the batches recorded as delivered with its one attempt")
        }
    }

    @Test("loopback is refused unless the operator allows private addresses")
    func ssrf() async throws {
        try await Self.run(configure: { $0.addresses = AddressPolicy(allowPrivate: false) }) { store, account, port, receiver in
            let hook = Webhook(id: HeraldID.make(.webhook), accountID: account.id, url: "http://127.0.0.1:\(port)/healthy", events: [],
                               secret: WebhookSecret.make(), createdAt: Date())
            try await store.createWebhook(hook)
            _ = try await store.accept([NewMessage(accountID: account.id, draft: try MessageValidator().validate(
                SendRequest(channel: "sms", to: "+14155550100", text: "hi")).get(), createdAt: Date(), priceMicros: 7_500)])
            let refused = try await Self.waitUntil(.seconds(5)) {
                try await store.deliveries(webhookID: hook.id, accountID: account.id, limit: 10)?.first?.1.first?.error?.contains("private") == true
            }
            #expect(refused)
            #expect(receiver.received.withLock { $0.isEmpty })
        }
    }
}
