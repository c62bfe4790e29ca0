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
        /// The provider's request the receipt came in, kept in the same transaction (HTTP providers' callbacks).
        public var evidence: ProviderWebhookRecord?
        public var onStored: (@Sendable () -> Void)?
    }

    /// Entries from `head` on are pending; the consumed prefix is dropped in bulk (taking from the front of an array one
    /// batch at a time would move every pending entry each time: quadratic when ingestion falls behind).
    private struct Pending {
        var entries: [Entry] = []
        var head = 0
        var count: Int { entries.count - head }
    }

    private let buffer = Mutex(Pending())
    private let wake: AsyncStream<Void>.Continuation
    /// Yields once per batch of arrivals; the ingestor drains the buffer after each.
    public let wakeups: AsyncStream<Void>

    public init() {
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func deliver(_ receipt: ProviderReceipt, evidence: ProviderWebhookRecord? = nil, onStored: (@Sendable () -> Void)? = nil) {
        buffer.withLock { $0.entries.append(Entry(receipt: receipt, evidence: evidence, onStored: onStored)) }
        wake.yield()
    }

    /// Takes up to `limit` receipts, oldest first.
    public func drain(limit: Int) -> [Entry] {
        buffer.withLock { pending in
            let end = pending.head + min(limit, pending.count)
            let taken = Array(pending.entries[pending.head..<end])
            pending.head = end
            if pending.head == pending.entries.count {
                pending.entries.removeAll(keepingCapacity: pending.entries.count <= 65_536)
                pending.head = 0
            } else if pending.head >= 4096, pending.head * 2 >= pending.entries.count {
                pending.entries.removeFirst(pending.head)
                pending.head = 0
            }
            return taken
        }
    }

    /// Puts receipts back at the front, in order (their ingestion failed; they are retried, never dropped).
    public func requeue(_ entries: [Entry]) {
        guard !entries.isEmpty else { return }
        buffer.withLock { pending in
            if pending.head >= entries.count {
                pending.head -= entries.count
                pending.entries.replaceSubrange(pending.head..<(pending.head + entries.count), with: entries)
            } else {
                pending.entries.replaceSubrange(0..<pending.head, with: entries)
                pending.head = 0
            }
        }
    }

    public var pendingCount: Int { buffer.withLock { $0.count } }

    /// Ends the wake-up stream (at shutdown, after the last drain).
    public func finish() { wake.finish() }
}
