import HeraldCore
import Synchronization

/// Where connectors drop receipts; the engine's receipt ingestor drains it in batches.
///
/// Dropping a receipt never blocks a connector's I/O thread: it is appended to a buffer and the
/// ingestor is woken.
public final class ReceiptSink: Sendable {
    private let buffer = Mutex<[ProviderReceipt]>([])
    private let wake: AsyncStream<Void>.Continuation
    /// Yields once per batch of arrivals; the ingestor drains the buffer after each.
    public let wakeups: AsyncStream<Void>

    public init() {
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func deliver(_ receipt: ProviderReceipt) {
        buffer.withLock { $0.append(receipt) }
        wake.yield()
    }

    /// Takes up to `limit` receipts, oldest first.
    public func drain(limit: Int) -> [ProviderReceipt] {
        buffer.withLock { pending in
            let count = min(limit, pending.count)
            let taken = Array(pending.prefix(count))
            pending.removeFirst(count)
            return taken
        }
    }

    /// Puts receipts back at the front, in order (their ingestion failed; they are retried, never dropped).
    public func requeue(_ receipts: [ProviderReceipt]) {
        guard !receipts.isEmpty else { return }
        buffer.withLock { $0.insert(contentsOf: receipts, at: 0) }
    }

    public var pendingCount: Int { buffer.withLock { $0.count } }

    /// Ends the wake-up stream (at shutdown, after the last drain).
    public func finish() { wake.finish() }
}
