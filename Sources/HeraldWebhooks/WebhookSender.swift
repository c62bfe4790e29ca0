import HeraldMetrics
import Foundation
import HeraldCore
import HeraldStore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// POSTs due deliveries, signs them, records every attempt and schedules retries.
///
/// Deliveries run concurrently, each endpoint at its own adaptive limit (``CallbackPacer``: starting at `perEndpoint`,
/// growing while it answers in time, up to `maxPerEndpoint`), one message's callbacks in sequence; at most
/// `concurrency` claimed at once. Each has its own timeout, so a slow endpoint holds only its own slots. An endpoint that
/// failed is marked down until its retry time: its other deliveries are postponed without a request, so a dead
/// endpoint costs one timeout per retry step, not one per event. Redirects are not followed; addresses the ``AddressPolicy`` refuses are never called,
/// and the connection goes to the very address that was checked.
///
/// A callback whose URL, address verdict and secret are known is sent from the loop itself as a future on a
/// connection's event loop (``CallbackClient``); only a first sight of a host or secret runs a child task to look it up.
public final class WebhookSender: Service {
    public struct Configuration: Sendable {
        /// Deliveries claimed at once (in flight and waiting for their endpoint), all endpoints.
        public var concurrency: Int = 1024
        /// Requests in flight to an endpoint at first; its limit adapts from there.
        public var perEndpoint: Int = 8
        /// The most requests in flight to one endpoint.
        public var maxPerEndpoint: Int = 256
        /// An answer slower than this slows the endpoint's limit down.
        public var slowLatency: Duration = .seconds(1)
        public var timeout: TimeAmount = .seconds(5)
        public var connectTimeout: TimeAmount = .seconds(2)
        public var schedule = WebhookSchedule()
        public var addresses = AddressPolicy(allowPrivate: false)
        /// PEM files of certificate authorities trusted for https endpoints besides the system's (a private CA).
        public var additionalTrustRootFiles: [String] = []
        public var pollInterval: Duration = .milliseconds(200)
        public var lease: TimeInterval = 60
        public init() {}
    }

    private let store: any WebhookStore
    private let configuration: Configuration
    private let clock: any WallClock
    private let logger: Logger
    private let client: CallbackClient
    private let mailbox = CallbackMailbox()
    private let state = Mutex(State())
    /// The deliveries a batch stands for, by the id of the batch's first delivery (which stands for it in the pacer).
    private let batchMembers = Mutex([String: [WebhookDelivery]]())

    struct State {
        var signers: [String: WebhookSignature.Signer] = [:]
        /// When each signer's secret was read: older than ``secretTTL`` is read again (a rotation on any node reaches
        /// this one within its grace period).
        var signersRead: [String: Date] = [:]
        /// Per webhook id: its batching (nil: one event per POST), read with its secret.
        var batches: [String: Webhook.Batch?] = [:]
        var downUntil: [String: Date] = [:]
        /// Per endpoint: when it last answered with a 2xx (a failure soon after is the endpoint being busy, not down).
        var lastSuccess: [String: Date] = [:]
        /// Per host: the addresses to connect to (empty: refused by the address policy), valid for a minute.
        var hostVerdicts: [String: (addresses: [String], until: Date)] = [:]
        /// Each URL seen, taken apart once (nil: not an http(s) URL).
        var urls: [String: CallbackURL?] = [:]
    }

    public init(store: any WebhookStore, configuration: Configuration = .init(), clock: any WallClock = SystemWallClock(),
                logger: Logger = Logger(label: "herald.webhooks")) {
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        client = CallbackClient(configuration: .init(connectTimeout: configuration.connectTimeout,
                                                     additionalTrustRootFiles: configuration.additionalTrustRootFiles))
    }

    /// New deliveries were stored: look now instead of at the next poll.
    public func wake() { mailbox.poke() }

    public func run() async throws {
        mailbox.startTicking()
        // Transactions that record events hand their callbacks over from here on; the claim finds everything else
        // (retries, deliveries written by other processes, those whose sender died).
        store.deliveryHandoff.attach(lease: configuration.lease) { [mailbox] deliveries in mailbox.post(.handedOff(deliveries)) }
        await withDiscardingTaskGroup { group in await loop(&group) }
        store.deliveryHandoff.detach()
        mailbox.stopTicking()
        await client.shutdown()
    }

    private func loop(_ group: inout DiscardingTaskGroup) async {
        var pacer = CallbackPacer(limits: CallbackPacer.Limits(
            initial: configuration.perEndpoint, maximum: max(configuration.perEndpoint, configuration.maxPerEndpoint),
            maximumWaiting: max(1, configuration.concurrency),
            slowLatencyMs: Int(Self.seconds(configuration.slowLatency) * 1000)))
        let began = ContinuousClock.now
        func now() -> Double { Self.seconds(ContinuousClock.now - began) }
        var gathering = BatchBuffer()
        // Deliveries standing behind batches handed to the pacer (in flight or waiting), for the claim's room.
        var batched = 0
        var finished: [DeliveryAttempt] = []
        var lastRecord = ContinuousClock.now
        // At most one claim and one record write under way, each in a child task: the loop keeps dispatching while
        // SQLite or PostgreSQL works, so the requests in flight never drain while it waits for a write.
        var claiming = false
        var recording = false
        // After a claim that found fewer deliveries than it asked for (nothing more is due now), the next claim waits
        // for a wake-up (new deliveries stored) or the poll interval (retries coming due), busy or not.
        var drySince: ContinuousClock.Instant?
        var pokedSinceClaim = false
        func record(force: Bool) {
            guard !recording, !finished.isEmpty else { return }
            // Attempts are recorded 64 at a time, or every 50 ms while they trickle in.
            guard force || finished.count >= 64 || ContinuousClock.now - lastRecord >= .milliseconds(50) else { return }
            recording = true
            lastRecord = .now
            let batch = finished
            finished = []
            group.addTask {
                await self.record(batch)
                self.mailbox.post(.recorded)
            }
        }
        /// Deliveries the sender can still take (in flight, waiting, gathering into batches and standing behind them count).
        func freeRoom() -> Int { configuration.concurrency - pacer.inFlight - pacer.waiting - gathering.held - batched }
        var stopping = false
        var stoppingSince: ContinuousClock.Instant?
        var nextStoppingReport = Duration.seconds(5)
        while true {
            stopping = stopping || Task.isShuttingDownGracefully || Task.isCancelled
            if stopping {
                // A shutdown waits for the requests in flight (each ends by its timeout at the latest): say what it
                // waits for when that takes a while, so that a slow stop is never a silent one.
                let since = stoppingSince ?? .now
                stoppingSince = since
                if ContinuousClock.now - since >= nextStoppingReport {
                    nextStoppingReport *= 2
                    logger.warning("webhook sender stopping: waiting for callbacks in flight", metadata: [
                        "in_flight": "\(pacer.inFlight)", "endpoints": "\(pacer.busyEndpoints.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })",
                        "claiming": "\(claiming)", "recording": "\(recording)", "attempts_to_record": "\(finished.count)",
                        "waited_s": "\(Self.seconds(ContinuousClock.now - since))",
                    ])
                }
                // Waiting deliveries keep their lease and are claimed again when it runs out.
                for delivery in pacer.drainAll() { batched -= batchMembers.withLock { $0.removeValue(forKey: delivery.id) }?.count ?? 0 }
                gathering.removeAll()
                if pacer.inFlight == 0, !claiming {
                    // Done once the last attempts are recorded; until then the mail below brings `.recorded`.
                    if !recording, finished.isEmpty { break }
                    record(force: true)
                }
            }
            let room = freeRoom()
            // Claim in batches (a claim is a database write): when a quarter of the room is free, or when idle.
            if !stopping, !claiming, room > 0, room >= configuration.concurrency / 4 || pacer.inFlight == 0,
               drySince.map({ ContinuousClock.now - $0 >= configuration.pollInterval }) ?? true {
                claiming = true
                drySince = nil
                pokedSinceClaim = false
                let now = clock.now()
                group.addTask {
                    let claimed = (try? await self.store.claimDeliveries(limit: room, now: now, leaseUntil: now.addingTimeInterval(self.configuration.lease))) ?? []
                    self.mailbox.post(.claimed(claimed, dry: claimed.count < room))
                }
            }
            record(force: pacer.inFlight == 0)
            let idle = pacer.inFlight == 0 && !claiming && !recording && finished.isEmpty
            var wait = idle ? configuration.pollInterval : .milliseconds(10)
            if let deadline = gathering.nextDeadline { wait = min(wait, .milliseconds(max(0, Int((deadline - now()) * 1000)))) }
            let mail = await mailbox.take(waitingUpTo: wait)
            if mail.poked {
                drySince = nil
                pokedSinceClaim = true
            }
            var postponed: [Date: [String]] = [:]
            /// Back to the table until `until`; a batch's stand-in goes back as every delivery it stands for.
            func putBack(_ deliveries: [WebhookDelivery], until: Date) {
                for delivery in deliveries {
                    if let members = batchMembers.withLock({ $0.removeValue(forKey: delivery.id) }) {
                        batched -= members.count
                        postponed[until, default: []] += members.map(\.id)
                    } else {
                        postponed[until, default: []].append(delivery.id)
                    }
                }
            }
            /// Hands a batch to the pacer as one request, its first delivery standing for it.
            func release(_ members: [WebhookDelivery]) {
                var standIn = members[0]
                standIn.messageID = "batch:" + standIn.target  // one batch of a webhook in flight at a time: feed order kept
                batchMembers.withLock { $0[standIn.id] = members }
                batched += members.count
                switch pacer.offer(standIn) {
                case .start: dispatch(standIn, group: &group)
                case .queued: break
                case .overflow:
                    batched -= members.count
                    batchMembers.withLock { $0[standIn.id] = nil }
                    postponed[clock.now().addingTimeInterval(Self.busyPostponement), default: []] += members.map(\.id)
                }
            }
            /// Starts deliveries (claimed or handed off) whose webhooks the sender has learnt: batched ones gather, the
            /// others go to the pacer.
            func take(_ deliveries: [WebhookDelivery]) {
                let unbatched = gather(deliveries, into: &gathering, now: now(), postponed: &postponed)
                for members in unbatched.batches { release(members) }
                admit(unbatched.single, pacer: &pacer, postponed: &postponed, group: &group)
            }
            for item in mail.items {
                switch item {
                case .recorded:
                    recording = false
                case .handedOff(var handed):
                    if stopping {
                        // Back to the table at once: the next process claims them without waiting for the lease.
                        postponed[clock.now(), default: []] += handed.map(\.id)
                        continue
                    }
                    // What does not fit now goes back to the table, due at once: the claim takes it when room frees up.
                    let fits = max(0, freeRoom())
                    if handed.count > fits {
                        postponed[clock.now(), default: []] += handed[fits...].map(\.id)
                        handed = Array(handed.prefix(fits))
                        drySince = nil
                    }
                    try? await learnWebhooks(of: handed)
                    take(handed)
                case .claimed(let claimed, let dry):
                    claiming = false
                    if stopping {
                        // A claim that returns during the stop: back to the table at once, like a hand-off. Taken,
                        // a delivery could wait behind a request in flight and be started by its end, never to be
                        // sent: the stop then waited for it forever.
                        postponed[clock.now(), default: []] += claimed.map(\.id)
                        continue
                    }
                    if dry, !pokedSinceClaim { drySince = .now }
                    try? await learnWebhooks(of: claimed)
                    take(claimed)
                case .finished(let attempt, let target, let messageID, let endpointDown):
                    if let members = batchMembers.withLock({ $0.removeValue(forKey: attempt.deliveryID) }) {
                        // One POST for the batch: the same outcome recorded for each of its deliveries.
                        batched -= members.count
                        for member in members {
                            var each = attempt
                            each.deliveryID = member.id
                            finished.append(each)
                        }
                    } else {
                        finished.append(attempt)
                    }
                    let down = endpointDown ? attempt.nextAttemptAt : nil
                    let next = pacer.finished(target: target, messageID: messageID, succeeded: attempt.state == .delivered, down: down != nil,
                                              latencyMs: attempt.latencyMs, now: now())
                    if let down { putBack(next.postpone, until: down) }
                    if !stopping {
                        for delivery in next.start { dispatch(delivery, group: &group) }
                    } else if !next.start.isEmpty {
                        // Stopping: what the pacer would start now is not sent; it stops counting as in flight (the
                        // stop waits for that count to reach zero) and goes back to the table at once.
                        pacer.giveBack(next.start)
                        putBack(next.start, until: clock.now())
                    }
                }
            }
            if !stopping { for members in gathering.due(now: now()) { release(members) } }
            for (until, ids) in postponed { try? await store.postponeDeliveries(ids: ids, until: until) }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// How long a delivery whose endpoint has a full waiting queue goes back to the table.
    static let busyPostponement: TimeInterval = 0.25

    /// Reads the settings of webhooks not seen yet (their batching and secret), so a batched webhook's first deliveries
    /// already gather into batches. The loop ignores a read error: those deliveries then go one per POST (in the batch
    /// shape, once ``signer(for:)`` has read the webhook) until the next claim.
    private func learnWebhooks(of claimed: [WebhookDelivery]) async throws {
        let now = clock.now()
        let unknown = state.withLock { state in
            Set(claimed.filter { $0.webhookID != nil && (state.batches[$0.webhookID!] == nil || !Self.isFresh(state.signersRead[$0.webhookID!], now: now)) }
                .map(\.accountID))
        }
        guard !unknown.isEmpty else { return }
        let hooks = try await store.webhooks(accountIDs: Array(unknown))
        state.withLock { state in
            for hook in hooks {
                state.batches[hook.id] = .some(hook.batch)
                state.signers[hook.id] = WebhookSignature.Signer(secret: hook.secret, previous: hook.previousSecret, previousUntil: hook.previousSecretUntil)
                state.signersRead[hook.id] = now
            }
        }
    }

    /// Splits claimed deliveries: those of batched webhooks gather (returned as batches when one fills up), the others
    /// go one per POST. Deliveries of a down endpoint are postponed here, batched or not.
    private func gather(_ claimed: [WebhookDelivery], into gathering: inout BatchBuffer, now: Double,
                        postponed: inout [Date: [String]]) -> (single: [WebhookDelivery], batches: [[WebhookDelivery]]) {
        var single: [WebhookDelivery] = []
        var batches: [[WebhookDelivery]] = []
        let wallNow = clock.now()
        for delivery in claimed {
            let (batch, down) = state.withLock { state in
                (delivery.webhookID.flatMap { state.batches[$0] ?? nil }, state.downUntil[delivery.target])
            }
            if batch != nil, let down, down > wallNow {
                postponed[down, default: []].append(delivery.id)
            } else if let batch {
                if let full = gathering.add(delivery, batch: batch, now: now) { batches.append(full) }
            } else {
                single.append(delivery)
            }
        }
        return (single, batches)
    }

    /// Starts what was claimed, leaves in the pacer what an endpoint has no slot for, and collects what a down or
    /// saturated endpoint cannot take (postponed by the caller in one write per time).
    private func admit(_ claimed: [WebhookDelivery], pacer: inout CallbackPacer, postponed: inout [Date: [String]], group: inout DiscardingTaskGroup) {
        guard !claimed.isEmpty else { return }
        let now = clock.now()
        for delivery in claimed {
            if let until = state.withLock({ $0.downUntil[delivery.target] }), until > now {
                postponed[until, default: []].append(delivery.id)
                continue
            }
            switch pacer.offer(delivery) {
            case .start:
                dispatch(delivery, group: &group)
            case .queued:
                break
            case .overflow:
                // The endpoint is busy well beyond its share: back in the table for a moment, so other endpoints'
                // deliveries are claimed first. Not for a whole timeout: a fast endpoint with a burst would wait
                // that long for nothing (an endpoint that fails is postponed to its retry time above).
                postponed[now.addingTimeInterval(min(Double(configuration.timeout.nanoseconds) / 1e9, Self.busyPostponement)), default: []]
                    .append(delivery.id)
            }
        }
    }

    /// Records finished attempts in one write. On a database error the leases run out and the attempts run again
    /// (at-least-once).
    private func record(_ attempts: [DeliveryAttempt]) async {
        for attempt in attempts {
            let outcome = switch attempt.state {
            case .delivered: "delivered"
            case .pending: "retrying"
            case .failed: "failed"
            }
            HeraldMetrics.callbackAttempt(outcome: outcome, milliseconds: attempt.latencyMs)
        }
        do { try await store.recordDeliveryAttempts(attempts) } catch {
            logger.error("recording webhook attempts failed", metadata: ["error": "\(error)", "attempts": "\(attempts.count)"])
        }
    }

    /// Everything a request needs that may take a lookup: where to connect and what to sign with.
    private struct Prepared {
        var url: CallbackURL
        var endpoint: CallbackClient.Endpoint
        var signer: WebhookSignature.Signer

        init(url: CallbackURL, addresses: [String], signer: WebhookSignature.Signer) {
            self.url = url
            endpoint = .init(tls: url.tls, host: url.host, addresses: addresses, port: url.port)
            self.signer = signer
        }
    }

    private struct DeliveryError: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }

    /// Starts one attempt; its outcome arrives in the mailbox.
    private func dispatch(_ delivery: WebhookDelivery, group: inout DiscardingTaskGroup) {
        let started = clock.now()
        let startedAt = NIODeadline.now()
        switch cachedPreparation(for: delivery) {
        case .some(.success(let prepared)):
            send(delivery, prepared, started: started, startedAt: startedAt)
        case .some(.failure(let error)):
            finish(delivery, started: started, startedAt: startedAt, statusCode: nil, failure: error.text)
        case .none:
            group.addTask {
                do {
                    let prepared = try await self.prepare(delivery)
                    self.send(delivery, prepared, started: started, startedAt: startedAt)
                } catch {
                    self.finish(delivery, started: started, startedAt: startedAt, statusCode: nil,
                                failure: (error as? DeliveryError)?.text ?? "\(error)")
                }
            }
        }
    }

    private func send(_ delivery: WebhookDelivery, _ prepared: Prepared, started: Date, startedAt: NIODeadline) {
        let timestamp = Int(clock.now().timeIntervalSince1970)
        // A batched webhook always gets the batch shape, also for a batch of one (``WebhookBatch``).
        let batched = delivery.webhookID.flatMap { id in state.withLock { $0.batches[id] ?? nil } } != nil
        let members = batched ? batchMembers.withLock { $0[delivery.id] } ?? [delivery] : [delivery]
        let body = ByteBuffer(string: batched ? WebhookBatch.body(members.map(\.payload)) : delivery.payload)
        let signature = body.withUnsafeReadableBytes { prepared.signer.sign(body: $0, timestamp: timestamp) }
        var headers = [
            ("Content-Type", "application/json"),
            ("User-Agent", "Herald-Webhooks/1"),
            ("Herald-Event-Id", members[0].eventID),
            ("Herald-Delivery-Id", delivery.id),
            (WebhookSignature.header, signature),
        ]
        if batched { headers.append(("Herald-Batch-Size", String(members.count))) }
        let request = CallbackRequest(url: prepared.url, headers: headers, body: body)
        client.execute(request, on: prepared.endpoint, timeout: configuration.timeout).whenComplete { result in
            switch result {
            case .success(let status):
                self.finish(delivery, started: started, startedAt: startedAt, statusCode: Int(status.code),
                            failure: (200..<300).contains(status.code) ? nil : "HTTP \(status.code)")
            case .failure(let error):
                self.finish(delivery, started: started, startedAt: startedAt, statusCode: nil, failure: "\(error)")
            }
        }
    }

    /// Turns a request's outcome into the attempt record and hands it to the loop.
    private func finish(_ delivery: WebhookDelivery, started: Date, startedAt: NIODeadline, statusCode: Int?, failure: String?) {
        let latency = Int((NIODeadline.now() - startedAt).nanoseconds / 1_000_000)
        let attempt: DeliveryAttempt
        if let failure {
            let now = clock.now()
            let next = state.withLock { state -> (at: Date, endpointDown: Bool)? in
                let next = configuration.schedule.next(after: delivery.attempts + 1, now: now, lastSuccess: state.lastSuccess[delivery.target])
                if let next, next.endpointDown { state.downUntil[delivery.target] = next.at }
                return next
            }
            attempt = DeliveryAttempt(deliveryID: delivery.id, at: started, statusCode: statusCode, latencyMs: latency, error: failure,
                                      state: next == nil ? .failed : .pending, nextAttemptAt: next?.at)
            mailbox.post(.finished(attempt, target: delivery.target, messageID: delivery.messageID, endpointDown: next?.endpointDown ?? false))
            return
        } else {
            let now = clock.now()
            state.withLock { state in
                if state.downUntil[delivery.target] != nil { state.downUntil[delivery.target] = nil }
                state.lastSuccess[delivery.target] = now
            }
            attempt = DeliveryAttempt(deliveryID: delivery.id, at: started, statusCode: statusCode, latencyMs: latency, error: nil,
                                      state: .delivered, nextAttemptAt: nil)
        }
        mailbox.post(.finished(attempt, target: delivery.target, messageID: delivery.messageID, endpointDown: false))
    }

    /// The preparation from the caches: nil when a host must be resolved or a secret read first.
    private func cachedPreparation(for delivery: WebhookDelivery) -> Result<Prepared, DeliveryError>? {
        let now = clock.now()
        let secretKey = Self.secretKey(delivery)
        return state.withLock { state -> Result<Prepared, DeliveryError>? in
            let url: CallbackURL?
            if let known = state.urls[delivery.url] {
                url = known
            } else {
                url = CallbackURL(delivery.url)
                if state.urls.count >= 10_000 { state.urls.removeAll() }
                state.urls[delivery.url] = .some(url)
            }
            guard let url else { return .failure(DeliveryError("not an http(s) URL")) }
            guard let verdict = state.hostVerdicts[url.host], verdict.until > now, let signer = state.signers[secretKey],
                  Self.isFresh(state.signersRead[secretKey], now: now) else { return nil }
            guard !verdict.addresses.isEmpty else { return .failure(Self.refusal(url.host)) }
            return .success(Prepared(url: url, addresses: verdict.addresses, signer: signer))
        }
    }

    /// Resolves the host and reads the secret, filling the caches ``cachedPreparation(for:)`` reads.
    private func prepare(_ delivery: WebhookDelivery) async throws -> Prepared {
        guard let url = CallbackURL(delivery.url) else { throw DeliveryError("not an http(s) URL") }
        let addresses = await allowedAddresses(of: url.host)
        guard !addresses.isEmpty else { throw Self.refusal(url.host) }
        let signer = try await signer(for: delivery)
        return Prepared(url: url, addresses: addresses, signer: signer)
    }

    private static func refusal(_ host: String) -> DeliveryError {
        DeliveryError("\(host) is a private, loopback or link-local address (or does not resolve); the operator has not allowed private addresses")
    }

    private static func secretKey(_ delivery: WebhookDelivery) -> String {
        delivery.webhookID ?? "account:" + delivery.accountID
    }

    private func signer(for delivery: WebhookDelivery) async throws -> WebhookSignature.Signer {
        let key = Self.secretKey(delivery)
        let now = clock.now()
        if let known = state.withLock({ Self.isFresh($0.signersRead[key], now: now) ? $0.signers[key] : nil }) { return known }
        if delivery.webhookID != nil {
            // The same read that learns its batching.
            try await learnWebhooks(of: [delivery])
            guard let signer = state.withLock({ $0.signers[key] }) else { throw DeliveryError("the webhook was deleted") }
            return signer
        }
        let signer = WebhookSignature.Signer(secret: try await store.callbackSecret(accountID: delivery.accountID))
        state.withLock {
            $0.signers[key] = signer
            $0.signersRead[key] = now
        }
        return signer
    }

    /// How long a webhook's secret is used as read before it is read again.
    public static let secretTTL: TimeInterval = 30

    static func isFresh(_ read: Date?, now: Date) -> Bool {
        guard let read else { return false }
        return now.timeIntervalSince(read) < secretTTL
    }

    /// The host's addresses if every one of them is allowed, else none (cached for a minute). The client connects to
    /// these, first to last, so the address called is an address checked.
    private func allowedAddresses(of host: String) async -> [String] {
        let now = clock.now()
        if let verdict = state.withLock({ $0.hostVerdicts[host] }), verdict.until > now { return verdict.addresses }
        let policy = configuration.addresses
        let addresses: [String]
        if AddressPolicy.isLiteral(host) {
            addresses = [host]
        } else {
            addresses = (try? await NIOThreadPool.singleton.runIfActive { AddressPolicy.resolve(host) }) ?? []
        }
        let allowed = !addresses.isEmpty && addresses.allSatisfy(policy.allows) ? addresses : []
        state.withLock { $0.hostVerdicts[host] = (allowed, now.addingTimeInterval(60)) }
        return allowed
    }
}
