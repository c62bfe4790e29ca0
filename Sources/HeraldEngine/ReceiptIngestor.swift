import HeraldMetrics
import HeraldConnectors
import HeraldCore
import HeraldStore
import Logging
import ServiceLifecycle
import Synchronization

/// The one receipt path every connector uses: receipt -> correlation -> event -> status.
///
/// Drains the ``ReceiptSink`` in batches and hands each batch to the store in one transaction. On
/// graceful shutdown it drains what is left before it stops, so no received receipt is lost.
public final class ReceiptIngestor: Service {
    private let store: any ReceiptStore
    private let sink: ReceiptSink
    private let batchSize: Int
    private let logger: Logger
    /// Back-off for sending a part again after a temporary failure receipt; nil: receipts are final as they come.
    private let retry: RetryPolicy?
    private let clock: any WallClock
    private let counters = Mutex(Counts())

    /// Receipts ingested since start, by outcome (an unmatched receipt is also logged with why it was parked).
    public struct Counts: Sendable, Hashable {
        public var applied = 0
        public var duplicate = 0
        public var parked = 0
    }

    public var counts: Counts { counters.withLock { $0 } }

    public init(store: any ReceiptStore, sink: ReceiptSink, batchSize: Int? = nil, retry: RetryPolicy? = nil, clock: any WallClock = SystemWallClock(),
                logger: Logger = Logger(label: "herald.receipts")) {
        self.store = store
        self.sink = sink
        self.batchSize = batchSize ?? store.ingestBatchSize
        self.retry = retry
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in sink.wakeups {
                var pause = Duration.milliseconds(500)
                // A batch the store kept refusing (a database outage) is back at the front of the sink: try it again after
                // a pause, not only when the next receipt arrives, which a quiet connector may not send for a long time.
                while await drainReporting().gaveUp, !Task.isShuttingDownGracefully, !Task.isCancelled {
                    let wait = pause
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
                    pause = min(pause * 2, .seconds(10))
                }
            }
        } onGracefulShutdown: {
            self.sink.finish()
        }
        await drain()
    }

    /// Ingests everything pending. Tests call it directly.
    ///
    /// A batch the store refuses (database down) is retried with back-off; if it still fails it goes back
    /// to the front of the sink, and ``run()`` tries again after a growing pause (up to 10 s) until the store takes
    /// it. Receipts are never dropped. Each receipt's `onStored`
    /// runs after its batch is committed.
    @discardableResult
    public func drain() async -> [ReceiptOutcome] {
        await drainReporting().outcomes
    }

    /// ``drain()``, and whether it gave up on a batch (put back in the sink) because the store kept refusing it.
    private func drainReporting() async -> (outcomes: [ReceiptOutcome], gaveUp: Bool) {
        var outcomes: [ReceiptOutcome] = []
        while true {
            let batch = sink.drain(limit: batchSize)
            if batch.isEmpty { return (outcomes, false) }
            var delay = Duration.milliseconds(50)
            var attempt = 1
            while true {
                do {
                    // The requests the receipts came in are kept in the same transaction, before the receipts are applied.
                    let stored = try await store.ingest(batch.map(\.receipt), evidence: batch.compactMap(\.evidence),
                                                        retry: ReceiptRetry(policy: retry, now: clock.now()))
                    for entry in batch { entry.onStored?() }
                    count(stored, batch: batch)
                    outcomes += stored
                    break
                } catch {
                    logger.error("receipt ingestion failed", metadata: ["error": "\(error)", "receipts": "\(batch.count)", "attempt": "\(attempt)"])
                    if attempt == 5 {
                        sink.requeue(batch)
                        return (outcomes, true)
                    }
                    try? await Task.sleep(for: delay)
                    delay *= 2
                    attempt += 1
                }
            }
        }
    }

    private func count(_ outcomes: [ReceiptOutcome], batch: [ReceiptSink.Entry]) {
        var counts = Counts()
        for (outcome, entry) in zip(outcomes, batch) {
            switch outcome {
            case .applied: counts.applied += 1
            case .duplicate: counts.duplicate += 1
            case .parked(let reason):
                counts.parked += 1
                let receipt = entry.receipt
                // Most parked receipts only overtook their submit response (applied when it is recorded, moments later):
                // debug. One that fits no submission there is, or more than one, is worth an operator's look.
                let level: Logger.Level = reason.hasPrefix(ReceiptMatcher.noSubmission) ? .debug : .notice
                logger.log(level: level, "receipt parked", metadata: [
                    "connector": "\(receipt.connector)", "provider_id": "\(LogText.escaped(receipt.providerMessageID))",
                    "status": "\(receipt.kind.rawValue)", "why": "\(LogText.escaped(reason))",
                ])
            }
        }
        counters.withLock {
            $0.applied += counts.applied
            $0.duplicate += counts.duplicate
            $0.parked += counts.parked
        }
        HeraldMetrics.receipts("applied", count: counts.applied)
        HeraldMetrics.receipts("duplicate", count: counts.duplicate)
        HeraldMetrics.receipts("parked", count: counts.parked)
    }
}
