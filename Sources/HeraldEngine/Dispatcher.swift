import Foundation
import HeraldConnectors
import HeraldCore
import HeraldStore
import Logging
import ServiceLifecycle

/// Claims queued messages, hands their parts to a connector and records what the provider said.
///
/// Runs `workers` loops. Each loop claims a batch (leased, so a crashed worker's messages come back
/// after the lease), submits every pending part concurrently, and records all outcomes in one
/// transaction (group commit). On graceful shutdown a loop finishes its batch and stops claiming.
public final class Dispatcher: Service {
    public struct Configuration: Sendable {
        public var workers: Int
        public var batchSize: Int
        public var lease: TimeInterval
        public var pollInterval: Duration
        public var retry: RetryPolicy
        /// How long a message whose connectors are all down waits before it is looked at again (not an attempt).
        public var connectorWait: TimeInterval

        public init(workers: Int = 2, batchSize: Int = 256, lease: TimeInterval = 60, pollInterval: Duration = .milliseconds(200), retry: RetryPolicy = .init(),
                    connectorWait: TimeInterval = 2) {
            self.workers = workers
            self.batchSize = batchSize
            self.lease = lease
            self.pollInterval = pollInterval
            self.retry = retry
            self.connectorWait = connectorWait
        }
    }

    private let store: any HeraldStore
    public let connectors: ConnectorRegistry
    public let configuration: Configuration
    private let clock: any WallClock
    private let logger: Logger
    public let signal: WorkSignal
    private let owner: String

    public init(store: any HeraldStore, connectors: ConnectorRegistry, configuration: Configuration = .init(), clock: any WallClock = SystemWallClock(), logger: Logger = Logger(label: "herald.dispatch")) {
        self.store = store
        self.connectors = connectors
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.signal = WorkSignal(workers: configuration.workers)
        self.owner = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                // The poll timer: picks up scheduled messages, retries and other nodes' inserts.
                while !Task.isShuttingDownGracefully, !Task.isCancelled {
                    try? await Task.sleep(for: self.configuration.pollInterval)
                    self.signal.notify()
                }
                self.signal.finish()
            }
            for (index, stream) in signal.streams.enumerated() {
                group.addTask {
                    for await _ in stream.cancelOnGracefulShutdown() {
                        await self.drain(worker: index)
                    }
                }
            }
        }
    }

    /// Claims and dispatches until the queue has nothing due.
    private func drain(worker: Int) async {
        while !Task.isShuttingDownGracefully {
            do {
                let handled = try await runOnce(worker: worker)
                if handled < configuration.batchSize { return }
            } catch {
                logger.error("dispatch failed", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    /// One claim-submit-record cycle. Returns how many messages it handled. Tests call it directly.
    ///
    /// While the batch's submits are in flight its leases are renewed every third of the lease, so a slow SMSC never
    /// lets another worker claim (and send again) a message this live worker is still sending.
    @discardableResult
    public func runOnce(worker: Int = 0) async throws -> Int {
        let now = clock.now()
        let owner = "\(owner)/\(worker)"
        let jobs = try await store.claim(owner: owner, limit: configuration.batchSize, now: now, leaseUntil: now.addingTimeInterval(configuration.lease))
        guard !jobs.isEmpty else { return 0 }
        let changes = await withTaskGroup(of: MessageChange?.self, returning: [MessageChange].self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(Int(self.configuration.lease * 1000 / 3)))
                    if Task.isCancelled { break }
                    do {
                        try await self.store.renewLeases(owner: owner, until: self.clock.now().addingTimeInterval(self.configuration.lease))
                    } catch {
                        self.logger.error("renewing dispatch leases failed", metadata: ["error": "\(error)"])
                    }
                }
                return nil
            }
            for job in jobs {
                group.addTask { await self.dispatch(job) }
            }
            var changes: [MessageChange] = []
            changes.reserveCapacity(jobs.count)
            for await change in group {
                guard let change else { continue }
                changes.append(change)
                if changes.count == jobs.count { group.cancelAll() }
            }
            return changes
        }
        // The provider already has these messages: retry recording before giving up (a lost record means the
        // lease runs out and the messages are sent again).
        var delay = Duration.milliseconds(50)
        for attempt in 1... {
            do {
                try await store.record(changes)
                break
            } catch where attempt < 5 {
                logger.error("recording dispatch outcomes failed, retrying", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try? await Task.sleep(for: delay)
                delay *= 2
            }
        }
        return jobs.count
    }

    /// Submits the pending parts of one message and turns the answers into events.
    func dispatch(_ job: DispatchJob) async -> MessageChange {
        guard var connector = connectors.choose(for: job.channel, to: job.to, accountID: job.accountID, now: clock.now()) else {
            let event = StatusEvent(messageID: job.messageID, kind: .status(.failed), reason: .unroutable, source: .connector,
                                    occurredAt: clock.now(), attempt: job.attempt,
                                    detail: ProviderDetail(text: "no connector carries channel \(job.channel.rawValue)"),
                                    dedupKey: "failed:\(job.attempt)")
            return MessageChange(messageID: job.messageID, events: [event], queue: .remove)
        }
        guard connector.isUp else { return wait(job, for: connector, detail: nil) }
        let texts = job.channel == .sms ? SMSSegmenter().segment(job.text).parts : [job.text]
        var events: [StatusEvent] = []
        var correlations: [Correlation] = []
        var temporary: [(part: Int, reason: ReasonCode, detail: ProviderDetail?)] = []
        var tried: Set<String> = [connector.name]
        var pending = job.pendingParts[...]
        while let part = pending.popFirst() {
            var submission = Submission(
                messageID: job.messageID, part: part, partCount: job.segments, channel: job.channel, to: job.to,
                from: job.from, subject: job.subject, text: texts.indices.contains(part) ? texts[part] : job.text,
                attempt: job.attempt, validUntil: job.expiresAt
            )
            submission.html = job.html
            submission.replyTo = job.replyTo
            submission.accountID = job.accountID
            submission.emailOptions = job.emailOptions
            let result = await connector.submit(submission)
            let at = clock.now()
            if case .unavailable(let detail) = result {
                // Nothing reached the provider: before anything was taken, the next route's connector that is up gets
                // the message in this same attempt; else the rest of the message waits with this part (parts already
                // taken stay taken).
                if events.isEmpty, temporary.isEmpty {
                    if let next = connectors.alternative(for: job.channel, to: job.to, accountID: job.accountID, excluding: tried, now: at) {
                        connector = next
                        tried.insert(next.name)
                        pending.insert(part, at: pending.startIndex)
                        continue
                    }
                    return wait(job, for: connector, detail: detail)
                }
                temporary.append((part, .providerUnavailable, detail))
                continue
            }
            if case .temporaryFailure = result {
                connectors.recordTemporaryFailure(connector.name, now: at)
            } else {
                connectors.recordSuccess(connector.name)
            }
            switch result {
            case .accepted(let providerID, let detail), .sent(let providerID, let detail), .delivered(let providerID, let detail):
                let status: MessageStatus = switch result {
                case .sent: .sent
                case .delivered: .delivered
                default: .accepted
                }
                events.append(StatusEvent(messageID: job.messageID, part: part, kind: .status(status), source: .connector, occurredAt: at,
                                          connector: connector.name, providerMessageID: providerID, attempt: job.attempt, detail: detail,
                                          dedupKey: "\(status.rawValue.lowercased()):\(part):\(job.attempt)", round: job.round(of: part)))
                correlations.append(Correlation(connector: connector.name, providerMessageID: providerID, messageID: job.messageID, part: part,
                                                round: job.round(of: part), correlatedAt: at,
                                                matchKeys: connector.matchKeys(forProviderID: providerID)))
            case .undeliverable(let reason, let detail):
                events.append(StatusEvent(messageID: job.messageID, part: part, kind: .status(.undelivered), reason: reason, source: .connector,
                                          occurredAt: at, connector: connector.name, attempt: job.attempt, detail: detail,
                                          dedupKey: "undelivered:\(part):\(job.attempt)", round: job.round(of: part)))
            case .permanentFailure(let reason, let detail):
                events.append(StatusEvent(messageID: job.messageID, part: part, kind: .status(.failed), reason: reason, source: .connector, occurredAt: at,
                                          connector: connector.name, attempt: job.attempt, detail: detail, dedupKey: "failed:\(part):\(job.attempt)",
                                          round: job.round(of: part)))
            case .temporaryFailure(let reason, let detail):
                temporary.append((part, reason, detail))
            case .unavailable:
                break
            }
        }
        guard !temporary.isEmpty else {
            return MessageChange(messageID: job.messageID, events: events, correlations: correlations, queue: .remove)
        }
        let now = clock.now()
        if let next = configuration.retry.nextAttempt(after: job.attempt, now: now, expiresAt: job.expiresAt) {
            for failure in temporary {
                events.append(StatusEvent(messageID: job.messageID, part: failure.part, kind: .status(.deferred), reason: failure.reason, source: .connector,
                                          occurredAt: now, connector: connector.name, attempt: job.attempt, nextAttemptAt: next,
                                          detail: failure.detail, dedupKey: "deferred:\(failure.part):\(job.attempt)", round: job.round(of: failure.part)))
            }
            return MessageChange(messageID: job.messageID, events: events, correlations: correlations, queue: .retry(at: next))
        }
        for failure in temporary {
            var detail = failure.detail ?? ProviderDetail()
            detail.text = "retries exhausted after \(job.attempt) attempts" + (detail.text.map { ": " + $0 } ?? "")
            events.append(StatusEvent(messageID: job.messageID, part: failure.part, kind: .status(.failed), reason: failure.reason, source: .connector,
                                      occurredAt: now, connector: connector.name, attempt: job.attempt, detail: detail,
                                      dedupKey: "failed:\(failure.part):\(job.attempt)", round: job.round(of: failure.part)))
        }
        return MessageChange(messageID: job.messageID, events: events, correlations: correlations, queue: .remove)
    }

    /// The message's connector cannot take it now (no bound session): it waits, DEFERRED / PROVIDER_UNAVAILABLE with the
    /// time it is looked at again, without using up an attempt. The event is recorded once per attempt number (the claim
    /// gives the attempt back), so a long outage writes one line in the timeline, not one per look. The validity timer
    /// ends it (EXPIRED) if the connector never comes back; a route with another connector that is up takes it meanwhile.
    func wait(_ job: DispatchJob, for connector: any Connector, detail: ProviderDetail?) -> MessageChange {
        let now = clock.now()
        let until = min(now.addingTimeInterval(configuration.connectorWait), max(now, job.expiresAt))
        var detail = detail ?? ProviderDetail(text: connector.health.detail)
        detail.text = "waiting for connector \(connector.name) to come back (not counted as an attempt)" + (detail.text.map { ": " + $0 } ?? "")
        let events = job.pendingParts.map { part in
            StatusEvent(messageID: job.messageID, part: part, kind: .status(.deferred), reason: .providerUnavailable, source: .connector,
                        occurredAt: now, connector: connector.name, attempt: job.attempt, nextAttemptAt: until, detail: detail,
                        dedupKey: "waiting:\(part):\(job.attempt)", round: job.round(of: part))
        }
        return MessageChange(messageID: job.messageID, events: events, queue: .wait(until: until))
    }
}
