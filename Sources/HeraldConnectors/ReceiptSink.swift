import HeraldCore
import Synchronization

/// Where connectors drop receipts; the engine's receipt ingestor drains it in batches.
///
/// Dropping a receipt never blocks a connector's I/O thread: it is appended to a buffer and the
/// ingestor is woken. A connector that can make its provider redeliver (SMPP: withhold `deliver_sm_resp`)
/// passes `onStored`; it runs only after the receipt is committed to the store, so a crash before then
/// loses nothing: the provider sends the receipt again.
public final class ReceiptSink: Sendable {
    /// A receipt waiting for ingestion, with what to do once it is stored.
    public struct Entry: Sendable {
        public var receipt: ProviderReceipt
        public var onStored: (@Sendable () -> Void)?
    }

    private let buffer = Mutex<[Entry]>([])
    private let wake: AsyncStream<Void>.Continuation
    /// Yields once per batch of arrivals; the ingestor drains the buffer after each.
    public let wakeups: AsyncStream<Void>

    public init() {
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func deliver(_ receipt: ProviderReceipt, onStored: (@Sendable () -> Void)? = nil) {
        buffer.withLock { $0.append(Entry(receipt: receipt, onStored: onStored)) }
        wake.yield()
    }

    /// Takes up to `limit` receipts, oldest first.
    public func drain(limit: Int) -> [Entry] {
        buffer.withLock { pending in
            let count = min(limit, pending.count)
            let taken = Array(pending.prefix(count))
            pending.removeFirst(count)
            return taken
        }
    }

    /// Puts receipts back at the front, in order (their ingestion failed; they are retried, never dropped).
    public func requeue(_ entries: [Entry]) {
        guard !entries.isEmpty else { return }
        buffer.withLock { $0.insert(contentsOf: entries, at: 0) }
    }

    public var pendingCount: Int { buffer.withLock { $0.count } }

    /// Ends the wake-up stream (at shutdown, after the last drain).
    public func finish() { wake.finish() }
}
