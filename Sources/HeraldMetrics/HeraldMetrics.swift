import struct Foundation.Date
import HeraldCore
import Metrics
import Synchronization

/// Every metric Herald records, named once (swift-metrics; `herald serve` exports them at `GET /metrics` in Prometheus'
/// text format). Without a metrics backend bootstrapped they cost nothing.
///
/// Handles are made once per label and dimensions and kept (``Handles``): making one goes through the backend's
/// registry (name checks, a lock, a lookup by labels, a new handle object), which per message cost more than recording.
/// The backend is set through ``bootstrap(_:)``, which drops the handles made before it (they record nowhere).
public enum HeraldMetrics {
    /// Sets the process's metrics backend (swift-metrics allows one per process) and forgets every handle made before.
    public static func bootstrap(_ factory: any MetricsFactory) {
        MetricsSystem.bootstrap(factory)
        counters.removeAll()
        timers.removeAll()
        recorders.removeAll()
    }

    /// Messages stored by the API or a campaign, by channel.
    public static func accepted(channel: Channel, count: Int = 1) {
        counters.handle("herald_messages_accepted_total", [("channel", channel.rawValue)]) { Counter(label: $0, dimensions: $1) }
            .increment(by: count)
    }

    /// A message that just reached a final status, by channel, status and reason; and how long it took from its accept,
    /// by channel and the connector that carried it (`none`: never handed to one).
    public static func final(messageID: String, channel: Channel, status: MessageStatus, reason: ReasonCode?, connector: String?, now: Date = Date()) {
        counters.handle("herald_messages_final_total", [("channel", channel.rawValue), ("status", status.rawValue), ("reason", reason?.rawValue ?? "")]) {
            Counter(label: $0, dimensions: $1)
        }.increment()
        if let accepted = HeraldID.date(of: messageID) {
            timers.handle("herald_message_time_to_final_seconds", [("channel", channel.rawValue), ("connector", connector ?? "none")]) {
                Timer(label: $0, dimensions: $1)
            }.recordMilliseconds(Int64(max(0, now.timeIntervalSince(accepted)) * 1000))
        }
    }

    /// Receipts ingested, by outcome: applied, duplicate, parked.
    public static func receipts(_ outcome: String, count: Int) {
        guard count > 0 else { return }
        counters.handle("herald_receipts_total", [("outcome", outcome)]) { Counter(label: $0, dimensions: $1) }.increment(by: count)
    }

    /// HTTP providers' callbacks, by connector and outcome: accepted, refused, malformed.
    public static func providerCallback(connector: String, outcome: String) {
        counters.handle("herald_provider_callbacks_total", [("connector", connector), ("outcome", outcome)]) { Counter(label: $0, dimensions: $1) }
            .increment()
    }

    /// The dispatch queue: messages waiting (due or not) and how long the oldest due one has waited.
    public static func queue(depth: Int, oldestDueSeconds: Double) {
        Gauge(label: "herald_queue_depth").record(depth)
        Gauge(label: "herald_queue_oldest_due_seconds").record(oldestDueSeconds)
    }

    /// Status callback attempts by outcome (delivered, retrying, failed: the schedule ran out) and how long each took.
    public static func callbackAttempt(outcome: String, milliseconds: Int) {
        counters.handle("herald_callback_attempts_total", [("outcome", outcome)]) { Counter(label: $0, dimensions: $1) }.increment()
        timers.handle("herald_callback_attempt_seconds", []) { Timer(label: $0, dimensions: $1) }.recordMilliseconds(milliseconds)
    }

    /// An SMPP session's life, by connector: bound, closed (dropped or unbound), bind_failed (connect or bind refused).
    public static func smppSession(connector: String, event: String) {
        Counter(label: "herald_smpp_session_events_total", dimensions: [("connector", connector), ("event", event)]).increment()
    }

    /// Sessions bound and able to submit now, by connector.
    public static func smppBound(connector: String, sessions: Int) {
        Gauge(label: "herald_smpp_sessions_bound", dimensions: [("connector", connector)]).record(sessions)
    }

    /// Submits the SMSC asked to slow down (ESME_RTHROTTLED, ESME_RMSGQFUL), by connector.
    public static func smppThrottled(connector: String) {
        counters.handle("herald_smpp_throttled_total", [("connector", connector)]) { Counter(label: $0, dimensions: $1) }.increment()
    }

    /// One transaction of the store's writer: how long it took and how many writes it carried.
    public static func storeTransaction(nanoseconds: Int64, writes: Int) {
        timers.handle("herald_store_transaction_seconds", []) { Timer(label: $0, dimensions: $1) }.recordNanoseconds(nanoseconds)
        recorders.handle("herald_store_transaction_writes", []) { Recorder(label: $0, dimensions: $1) }.record(writes)
    }

    private static let counters = Handles<Counter>()
    private static let timers = Handles<Timer>()
    private static let recorders = Handles<Recorder>()
}

/// The handles of one kind of metric, by label and dimension values, each made once.
private final class Handles<Handle: AnyObject & Sendable>: Sendable {
    private struct Key: Hashable {
        var label: String
        var values: [String]
    }

    private let handles = Mutex<[Key: Handle]>([:])

    func handle(_ label: String, _ dimensions: [(String, String)], make: (String, [(String, String)]) -> Handle) -> Handle {
        let key = Key(label: label, values: dimensions.map(\.1))
        if let handle = handles.withLock({ $0[key] }) { return handle }
        let made = make(label, dimensions)
        return handles.withLock { handles in
            if let existing = handles[key] { return existing }
            handles[key] = made
            return made
        }
    }

    func removeAll() {
        handles.withLock { $0.removeAll() }
    }
}
