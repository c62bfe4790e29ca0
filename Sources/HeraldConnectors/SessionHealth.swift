import Foundation
import HeraldCore

/// One session of a connector (an SMPP bind, a pooled connection) as operators see it.
public struct SessionHealth: Sendable, Hashable, Encodable {
    /// `transceiver#0`, `transmitter#1`, `receiver#1`.
    public var name: String
    /// `connecting`, `bound`, `reconnecting` (dropped, waiting to connect again) or `bind failed`.
    public var state: String
    /// When it reached this state.
    public var since: Date
    /// Requests sent and not yet answered, of at most `window`.
    public var inFlight: Int
    public var window: Int
    /// Requests sent since it was bound.
    public var submitted: Int
    /// Answers asking to slow down (throttled, queue full) since it was bound.
    public var throttled: Int
    /// Requests a second over the last ten seconds.
    public var ratePerSecond: Double
    /// Receipts and inbound messages it received that are not stored yet (so not acknowledged to the SMSC), and when
    /// the oldest of them came: a number that grows, or an old time, means storage has stalled.
    public var receiptsWaiting: Int = 0
    public var oldestWaitingSince: Date?
    /// The last error it met (refused bind, error answer, dropped connection), with when.
    public var lastError: String?
    public var lastErrorAt: Date?

    public init(name: String, state: String, since: Date, inFlight: Int = 0, window: Int = 0, submitted: Int = 0, throttled: Int = 0,
                ratePerSecond: Double = 0, lastError: String? = nil, lastErrorAt: Date? = nil) {
        self.name = name
        self.state = state
        self.since = since
        self.inFlight = inFlight
        self.window = window
        self.submitted = submitted
        self.throttled = throttled
        self.ratePerSecond = ratePerSecond
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
    }

    enum CodingKeys: String, CodingKey {
        case name, state, since, inFlight = "in_flight", window, submitted, throttled, ratePerSecond = "rate_per_second", lastError = "last_error"
        case lastErrorAt = "last_error_at", receiptsWaiting = "receipts_waiting", oldestWaitingSince = "oldest_waiting_since"
    }

    /// Times as Herald writes them everywhere (RFC 3339, UTC, milliseconds).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(state, forKey: .state)
        try container.encode(Timestamp.format(since), forKey: .since)
        try container.encode(inFlight, forKey: .inFlight)
        try container.encode(window, forKey: .window)
        try container.encode(submitted, forKey: .submitted)
        try container.encode(throttled, forKey: .throttled)
        try container.encode((ratePerSecond * 10).rounded() / 10, forKey: .ratePerSecond)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(lastErrorAt.map(Timestamp.format), forKey: .lastErrorAt)
        try container.encode(receiptsWaiting, forKey: .receiptsWaiting)
        try container.encode(oldestWaitingSince.map(Timestamp.format), forKey: .oldestWaitingSince)
    }
}
