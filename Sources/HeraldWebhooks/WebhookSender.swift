import AsyncHTTPClient
import Foundation
import HeraldCore
import HeraldStore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// POSTs due deliveries, signs them, records every attempt and schedules retries.
///
/// Deliveries run concurrently (up to `concurrency`, at most `perEndpoint` to one endpoint) and each has its own
/// timeout, so a slow endpoint holds only its own slots. An endpoint that failed is marked down until its retry
/// time: its other deliveries are postponed without a request, so a dead endpoint costs one timeout per retry
/// step, not one per event. Redirects are not followed; addresses the ``AddressPolicy`` refuses are never called.
public final class WebhookSender: Service {
    public struct Configuration: Sendable {
        public var concurrency: Int = 64
        public var perEndpoint: Int = 8
        public var timeout: TimeAmount = .seconds(5)
        public var schedule = WebhookSchedule()
        public var addresses = AddressPolicy(allowPrivate: false)
        public var pollInterval: Duration = .milliseconds(200)
        public var lease: TimeInterval = 60
        public init() {}
    }

    private let store: any HeraldStore
    private let configuration: Configuration
    private let clock: any WallClock
    private let logger: Logger
    private let client: HTTPClient
    private let state = Mutex(State())

    struct State {
        var secrets: [String: String] = [:]
        var downUntil: [String: Date] = [:]
        var hostVerdicts: [String: (allowed: Bool, until: Date)] = [:]
        /// The host of each URL seen (nil: not an http(s) URL), so a URL is parsed once, not once per callback.
        var hosts: [String: String?] = [:]
        var woken = false
    }

    public init(store: any HeraldStore, configuration: Configuration = .init(), clock: any WallClock = SystemWallClock(),
                logger: Logger = Logger(label: "herald.webhooks")) {
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        var http = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                            timeout: .init(connect: .seconds(2), read: configuration.timeout))
        http.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.concurrency)
        http.httpVersion = .http1Only
        // No tracer: the default (the global no-op tracer) still builds a span's attributes for every request.
        http.tracing.tracer = nil
        client = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton), configuration: http)
    }

    /// New deliveries were stored: look now instead of at the next poll.
    public func wake() { state.withLock { $0.woken = true } }

    public func run() async throws {
        await loop()
        try await client.shutdown()
    }

    private enum Outcome: Sendable {
        case attempt(DeliveryAttempt, target: String)
        case tick
    }

    private func loop() async {
        await withTaskGroup(of: Outcome.self) { group in
            var inFlight = 0
            var perTarget: [String: Int] = [:]
            // Claimed deliveries whose endpoint is at its concurrency cap, started as its slots free (their lease holds them).
            var waiting: [String: [WebhookDelivery]] = [:]
            var waitingCount = 0
            var finished: [DeliveryAttempt] = []
            var ticking = false
            func start(_ delivery: WebhookDelivery) {
                inFlight += 1
                perTarget[delivery.target, default: 0] += 1
                group.addTask { await .attempt(self.attempt(delivery), target: delivery.target) }
            }
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                let room = configuration.concurrency - inFlight - waitingCount
                var claimed: [WebhookDelivery] = []
                // Claim in batches (a claim is a database write): when a quarter of the slots are free, or when idle.
                if room > 0, room >= configuration.concurrency / 4 || inFlight == 0 {
                    let now = clock.now()
                    claimed = (try? await store.claimDeliveries(limit: room, now: now, leaseUntil: now.addingTimeInterval(configuration.lease))) ?? []
                    var postponed: [Date: [String]] = [:]
                    for delivery in claimed {
                        if let until = state.withLock({ $0.downUntil[delivery.target] }), until > now {
                            postponed[until, default: []].append(delivery.id)
                        } else if perTarget[delivery.target, default: 0] >= configuration.perEndpoint {
                            if waiting[delivery.target, default: []].count < configuration.perEndpoint {
                                waiting[delivery.target, default: []].append(delivery)
                                waitingCount += 1
                            } else {
                                // The endpoint is busy well beyond its share: out of the way until its requests can have ended.
                                postponed[now.addingTimeInterval(Double(configuration.timeout.nanoseconds) / 1e9), default: []].append(delivery.id)
                            }
                        } else {
                            start(delivery)
                        }
                    }
                    for (until, ids) in postponed { try? await store.postponeDeliveries(ids: ids, until: until) }
                }
                if inFlight == 0, claimed.isEmpty {
                    await flush(&finished)
                    // Idle: until a wake-up or the poll interval, looking every 10 ms.
                    var waited = Duration.zero
                    while waited < configuration.pollInterval, !state.withLock({ $0.woken }), !Task.isShuttingDownGracefully, !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(10))
                        waited += .milliseconds(10)
                    }
                    state.withLock { $0.woken = false }
                    continue
                }
                if !ticking {
                    ticking = true
                    group.addTask {
                        try? await Task.sleep(for: .milliseconds(50))
                        return .tick
                    }
                }
                guard let outcome = await group.next() else { continue }
                switch outcome {
                case .tick:
                    ticking = false
                    await flush(&finished)
                case .attempt(let attempt, let target):
                    inFlight -= 1
                    perTarget[target, default: 1] -= 1
                    finished.append(attempt)
                    if var queue = waiting[target], !queue.isEmpty {
                        let next = queue.removeFirst()
                        waiting[target] = queue.isEmpty ? nil : queue
                        waitingCount -= 1
                        if attempt.state == .pending, let until = attempt.nextAttemptAt {
                            // The endpoint just failed: the rest of its queue waits for its retry time.
                            let ids = [next.id] + queue.map(\.id)
                            waitingCount -= queue.count
                            waiting[target] = nil
                            try? await store.postponeDeliveries(ids: ids, until: until)
                        } else {
                            start(next)
                        }
                    }
                    if finished.count >= 64 { await flush(&finished) }
                }
            }
            while let outcome = await group.next() {
                if case .attempt(let attempt, _) = outcome { finished.append(attempt) }
            }
            await flush(&finished)
        }
    }

    /// Records finished attempts in one write. On a database error the leases run out and the attempts run again
    /// (at-least-once).
    private func flush(_ finished: inout [DeliveryAttempt]) async {
        guard !finished.isEmpty else { return }
        do { try await store.recordDeliveryAttempts(finished) } catch {
            logger.error("recording webhook attempts failed", metadata: ["error": "\(error)", "attempts": "\(finished.count)"])
        }
        finished.removeAll(keepingCapacity: true)
    }

    /// One POST and its outcome.
    func attempt(_ delivery: WebhookDelivery) async -> DeliveryAttempt {
        let started = clock.now()
        let startedClock = ContinuousClock.now
        var statusCode: Int?
        var failure: String?
        do {
            guard let host = host(of: delivery.url) else { throw DeliveryError("not an http(s) URL") }
            guard await hostAllowed(host) else {
                throw DeliveryError("\(host) is a private, loopback or link-local address; the operator has not allowed those")
            }
            let secret = try await secret(for: delivery)
            // The delegate-based API: no async body stream per request (measured cheaper per callback than
            // HTTPClientRequest/HTTPClientResponse); only the status is kept.
            let timestamp = Int(clock.now().timeIntervalSince1970)
            var headers = HTTPHeaders()
            headers.reserveCapacity(6)
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "User-Agent", value: "Herald-Webhooks/1")
            headers.add(name: "Herald-Event-Id", value: delivery.eventID)
            headers.add(name: "Herald-Delivery-Id", value: delivery.id)
            headers.add(name: WebhookSignature.header, value: WebhookSignature.sign(body: Array(delivery.payload.utf8), secret: secret, timestamp: timestamp))
            let request = try HTTPClient.Request(url: delivery.url, method: .POST, headers: headers, body: .string(delivery.payload))
            let status = try await client.execute(request: request, delegate: StatusOnlyDelegate(), deadline: .now() + configuration.timeout,
                                                  logger: logger).futureResult.get()
            statusCode = Int(status.code)
            if !(200..<300).contains(status.code) { failure = "HTTP \(status.code)" }
        } catch let error as DeliveryError {
            failure = error.text
        } catch {
            failure = "\(error)"
        }
        let elapsed = ContinuousClock.now - startedClock
        let latency = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        let attemptNumber = delivery.attempts + 1
        if failure == nil {
            state.withLock { $0.downUntil[delivery.target] = nil }
            return DeliveryAttempt(deliveryID: delivery.id, at: started, statusCode: statusCode, latencyMs: latency, error: nil, state: .delivered, nextAttemptAt: nil)
        }
        let next = configuration.schedule.next(after: attemptNumber, now: clock.now())
        if let next { state.withLock { $0.downUntil[delivery.target] = next } }
        return DeliveryAttempt(deliveryID: delivery.id, at: started, statusCode: statusCode, latencyMs: latency, error: failure,
                               state: next == nil ? .failed : .pending, nextAttemptAt: next)
    }

    private struct DeliveryError: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }

    private func secret(for delivery: WebhookDelivery) async throws -> String {
        let key = delivery.webhookID ?? "account:" + delivery.accountID
        if let known = state.withLock({ $0.secrets[key] }) { return known }
        let secret: String
        if let webhookID = delivery.webhookID {
            guard let hook = try await store.webhooks(accountID: delivery.accountID).first(where: { $0.id == webhookID }) else {
                throw DeliveryError("the webhook was deleted")
            }
            secret = hook.secret
        } else {
            secret = try await store.callbackSecret(accountID: delivery.accountID)
        }
        state.withLock { $0.secrets[key] = secret }
        return secret
    }

    /// The host of an http(s) URL, nil for anything else.
    private func host(of address: String) -> String? {
        if let known = state.withLock({ $0.hosts[address] }) { return known }
        var host: String?
        if let url = URL(string: address), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" { host = url.host }
        state.withLock { state in
            if state.hosts.count >= 10_000 { state.hosts.removeAll() }
            state.hosts[address] = .some(host)
        }
        return host
    }

    /// Whether every address of the host is allowed (cached for a minute).
    private func hostAllowed(_ host: String) async -> Bool {
        let now = clock.now()
        if let verdict = state.withLock({ $0.hostVerdicts[host] }), verdict.until > now { return verdict.allowed }
        let policy = configuration.addresses
        let trimmed = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        let addresses: [String]
        if AddressPolicy.isLiteral(trimmed) {
            addresses = [trimmed]
        } else {
            addresses = (try? await NIOThreadPool.singleton.runIfActive { AddressPolicy.resolve(trimmed) }) ?? []
        }
        let allowed = !addresses.isEmpty && addresses.allSatisfy(policy.allows)
        state.withLock { $0.hostVerdicts[host] = (allowed, now.addingTimeInterval(60)) }
        return allowed
    }
}
