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
        /// Messages per claim; nil: the store's ``DispatchStore/claimBatchSize``.
        public var batchSize: Int?
        public var lease: TimeInterval
        public var pollInterval: Duration
        public var retry: RetryPolicy
        /// How long a message whose connectors are all down waits before it is looked at again (not an attempt).
        public var connectorWait: TimeInterval
        /// Whether a temporary-failure receipt that overtook its submit response is retried (as the receipt ingestor
        /// retries the others; false with `herald serve --no-receipt-retries`).
        public var receiptRetries: Bool

        public init(workers: Int = 2, batchSize: Int? = nil, lease: TimeInterval = 60, pollInterval: Duration = .milliseconds(200), retry: RetryPolicy = .init(),
                    connectorWait: TimeInterval = 2, receiptRetries: Bool = true) {
            self.receiptRetries = receiptRetries
            self.workers = workers
            self.batchSize = batchSize
            self.lease = lease
            self.pollInterval = pollInterval
            self.retry = retry
            self.connectorWait = connectorWait
        }
    }

    private let store: any DispatchStore
    public let connectors: ConnectorRegistry
    public let configuration: Configuration
    private let clock: any WallClock
    private let logger: Logger
    public let signal: WorkSignal
    private let owner: String

    public init(store: any DispatchStore, connectors: ConnectorRegistry, configuration: Configuration = .init(), clock: any WallClock = SystemWallClock(), logger: Logger = Logger(label: "herald.dispatch")) {
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

    private var batchSize: Int { configuration.batchSize ?? store.claimBatchSize }

    /// Claims and dispatches until the queue has nothing due.
    private func drain(worker: Int) async {
        while !Task.isShuttingDownGracefully {
            do {
                let handled = try await runOnce(worker: worker)
                if handled < batchSize { return }
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
        let jobs = try await store.claim(owner: owner, limit: batchSize, now: now, leaseUntil: now.addingTimeInterval(configuration.lease))
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

    /// Submits the pending parts of one message; ``DispatchDecision`` turns the answers into the change to record.
    func dispatch(_ job: DispatchJob) async -> MessageChange {
        let decision = DispatchDecision(job: job, retry: configuration.retry, receiptRetries: configuration.receiptRetries)
        guard var connector = connectors.choose(for: job.channel, to: job.to, accountID: job.accountID, now: clock.now()) else {
            return decision.unroutable(now: clock.now())
        }
        guard connector.isUp else { return wait(decision, for: connector, detail: nil) }
        let texts = job.channel == .sms ? SMSSegmenter().segment(job.text).parts : [job.text]
        var answers: [DispatchDecision.PartAnswer] = []
        var tried: Set<String> = [connector.name]
        var pending = job.pendingParts[...]
        while var part = pending.popFirst() {
            var text = texts.indices.contains(part) ? texts[part] : job.text
            var covered = [part]
            if connector.takesWholeMessage, !pending.isEmpty {
                // One submission for every pending part; the provider splits the text itself.
                covered += pending
                text = covered.map { texts.indices.contains($0) ? texts[$0] : "" }.joined()
                pending = []
                part = Submission.wholeMessage
            }
            var submission = Submission(
                messageID: job.messageID, part: part, partCount: job.segments, channel: job.channel, to: job.to,
                from: job.from, subject: job.subject, text: text, attempt: job.attempt, validUntil: job.expiresAt
            )
            submission.html = job.html
            submission.replyTo = job.replyTo
            submission.accountID = job.accountID
            submission.messageOptions = job.messageOptions
            let result = await connector.submit(submission)
            let at = clock.now()
            let answer: DispatchDecision.Answer
            switch result {
            case .unavailable(let detail):
                // Nothing reached the provider: before anything was taken, the next route's connector that is up gets
                // the message in this same attempt; else the rest of the message waits with this part (parts already
                // taken stay taken).
                if answers.isEmpty {
                    if let next = connectors.alternative(for: job.channel, to: job.to, accountID: job.accountID, excluding: tried, now: at) {
                        connector = next
                        tried.insert(next.name)
                        pending = part == Submission.wholeMessage ? job.pendingParts[...] : ([part] + pending)[...]
                        continue
                    }
                    return wait(decision, for: connector, detail: detail)
                }
                answer = .temporary(.providerUnavailable, detail: detail)
            case .temporaryFailure(let reason, let detail):
                connectors.recordTemporaryFailure(connector.name, now: at)
                answer = .temporary(reason, detail: detail)
            case .accepted(let providerID, let detail), .sent(let providerID, let detail), .delivered(let providerID, let detail):
                connectors.recordSuccess(connector.name)
                let status: MessageStatus = switch result {
                case .sent: .sent
                case .delivered: .delivered
                default: .accepted
                }
                answer = .taken(status, providerMessageID: providerID, matchKeys: connector.matchKeys(forProviderID: providerID), detail: detail)
            case .acceptedParts(let providerIDs, let detail) where providerIDs.isEmpty:
                // Taken without an id to follow: its statuses could never be matched, so it is not counted as taken.
                answer = .temporary(.providerUnavailable, detail: detail)
            case .acceptedParts(let providerIDs, let detail):
                connectors.recordSuccess(connector.name)
                answers += DispatchDecision.taken(providerIDs: providerIDs, covered: covered, connector: connector.name, at: at,
                                                  matchKeys: connector.matchKeys(forProviderID:), detail: detail)
                continue
            case .undeliverable(let reason, let detail), .permanentFailure(let reason, let detail):
                connectors.recordSuccess(connector.name)
                let status: MessageStatus = switch result {
                case .undeliverable: .undelivered
                default: .failed
                }
                answer = .refused(status, reason, detail: detail)
            }
            answers.append(DispatchDecision.PartAnswer(part: part, connector: connector.name, at: at, answer: answer))
        }
        return decision.decide(answers, now: clock.now())
    }

    /// The message's connector cannot take it now: it waits (``DispatchDecision/waiting(for:detail:now:wait:)``) without
    /// using up an attempt; a route with another connector that is up takes it meanwhile.
    private func wait(_ decision: DispatchDecision, for connector: any Connector, detail: ProviderDetail?) -> MessageChange {
        decision.waiting(for: connector.name, detail: detail ?? ProviderDetail(text: connector.health.detail), now: clock.now(),
                         wait: configuration.connectorWait)
    }
}
