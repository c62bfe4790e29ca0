import struct Foundation.Date
import HeraldCore
import Metrics

/// Every metric Herald records, named once (swift-metrics; `herald serve` exports them at `GET /metrics` in Prometheus'
/// text format). Without a metrics backend bootstrapped they cost nothing.
public enum HeraldMetrics {
    /// Messages stored by the API or a campaign, by channel.
    public static func accepted(channel: Channel, count: Int = 1) {
        Counter(label: "herald_messages_accepted_total", dimensions: [("channel", channel.rawValue)]).increment(by: count)
    }

    /// A message that just reached a final status, by channel, status and reason; and how long it took from its accept,
    /// by channel and the connector that carried it (`none`: never handed to one).
    public static func final(messageID: String, channel: Channel, status: MessageStatus, reason: ReasonCode?, connector: String?, now: Date = Date()) {
        Counter(label: "herald_messages_final_total", dimensions: [("channel", channel.rawValue), ("status", status.rawValue),
                                                                  ("reason", reason?.rawValue ?? "")]).increment()
        if let accepted = HeraldID.date(of: messageID) {
            Timer(label: "herald_message_time_to_final_seconds", dimensions: [("channel", channel.rawValue), ("connector", connector ?? "none")])
                .recordMilliseconds(Int64(max(0, now.timeIntervalSince(accepted)) * 1000))
        }
    }

    /// Receipts ingested, by outcome: applied, duplicate, parked.
    public static func receipts(_ outcome: String, count: Int) {
        guard count > 0 else { return }
        Counter(label: "herald_receipts_total", dimensions: [("outcome", outcome)]).increment(by: count)
    }

    /// HTTP providers' callbacks, by connector and outcome: accepted, refused, malformed.
    public static func providerCallback(connector: String, outcome: String) {
        Counter(label: "herald_provider_callbacks_total", dimensions: [("connector", connector), ("outcome", outcome)]).increment()
    }

    /// The dispatch queue: messages waiting (due or not) and how long the oldest due one has waited.
    public static func queue(depth: Int, oldestDueSeconds: Double) {
        Gauge(label: "herald_queue_depth").record(depth)
        Gauge(label: "herald_queue_oldest_due_seconds").record(oldestDueSeconds)
    }

    /// Status callback attempts by outcome (delivered, retrying, failed: the schedule ran out) and how long each took.
    public static func callbackAttempt(outcome: String, milliseconds: Int) {
        Counter(label: "herald_callback_attempts_total", dimensions: [("outcome", outcome)]).increment()
        Timer(label: "herald_callback_attempt_seconds").recordMilliseconds(milliseconds)
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
        Counter(label: "herald_smpp_throttled_total", dimensions: [("connector", connector)]).increment()
    }

    /// One transaction of the store's writer: how long it took and how many writes it carried.
    public static func storeTransaction(nanoseconds: Int64, writes: Int) {
        Timer(label: "herald_store_transaction_seconds").recordNanoseconds(nanoseconds)
        Recorder(label: "herald_store_transaction_writes").record(writes)
    }
}
