import Foundation
import HeraldConnectors
import NIOCore
import Synchronization

/// What an SMPP connector's sessions are doing, for operators (``SMPPConnector/health``): each bind's state and since
/// when, its window use, what it sent and how often it was asked to slow down, its rate over the last ten seconds and
/// its last error. Written by the connector as sessions bind, drop and submit; times are given by the caller.
final class SessionBoard: Sendable {
    private struct Entry {
        var health: SessionHealth
        /// Requests sent by second (the last ten seconds), for the rate.
        var seconds: [Int64: Int] = [:]
        /// Receipts and inbound messages received and not yet stored (so not yet acknowledged), by ticket: when each came.
        var waiting: [UInt64: Date] = [:]
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// The session each bound channel is.
        var names: [ObjectIdentifier: String] = [:]
        var nextTicket: UInt64 = 0
    }

    /// A receipt or inbound message received on a session, until it is stored.
    struct Ticket: Sendable {
        let session: String
        let number: UInt64
    }

    private let state = Mutex(State())
    let window: Int

    init(window: Int) {
        self.window = window
    }

    func connecting(_ name: String, now: Date) {
        state.withLock { state in
            var entry = state.entries[name] ?? Entry(health: SessionHealth(name: name, state: "connecting", since: now, window: window))
            entry.health.state = "connecting"
            entry.health.since = now
            state.entries[name] = entry
        }
    }

    func bound(_ name: String, channel: any Channel, now: Date) {
        state.withLock { state in
            var entry = state.entries[name] ?? Entry(health: SessionHealth(name: name, state: "bound", since: now, window: window))
            entry.health.state = "bound"
            entry.health.since = now
            entry.health.inFlight = 0
            entry.health.submitted = 0
            entry.health.throttled = 0
            entry.seconds = [:]
            state.entries[name] = entry
            state.names[ObjectIdentifier(channel)] = name
        }
    }

    /// The session ended (dropped, unbound, or its bind failed with `error`); it will connect again.
    func ended(_ name: String, channel: (any Channel)?, error: String?, now: Date) {
        state.withLock { state in
            if let channel { state.names[ObjectIdentifier(channel)] = nil }
            var entry = state.entries[name] ?? Entry(health: SessionHealth(name: name, state: "", since: now, window: window))
            entry.health.state = error == nil || channel != nil ? "reconnecting" : "bind failed"
            entry.health.since = now
            entry.health.inFlight = 0
            if let error {
                entry.health.lastError = error
                entry.health.lastErrorAt = now
            }
            state.entries[name] = entry
        }
    }

    func sent(on channel: any Channel, now: Date) {
        update(channel) { entry in
            entry.health.inFlight += 1
            entry.health.submitted += 1
            let second = Int64(now.timeIntervalSince1970.rounded(.down))
            entry.seconds[second, default: 0] += 1
            if entry.seconds.count > 12 { entry.seconds = entry.seconds.filter { $0.key > second - 10 } }
        }
    }

    /// The answer to a request sent on `channel`: `throttled` when it asked to slow down, `error` when it was one.
    func answered(on channel: any Channel, throttled: Bool, error: String?, now: Date) {
        update(channel) { entry in
            entry.health.inFlight = max(0, entry.health.inFlight - 1)
            if throttled { entry.health.throttled += 1 }
            if let error {
                entry.health.lastError = error
                entry.health.lastErrorAt = now
            }
        }
    }

    /// A receipt or inbound message came in on `channel`; ``stored(_:)`` when it is stored and acknowledged.
    func received(on channel: any Channel, now: Date) -> Ticket? {
        state.withLock { state in
            guard let name = state.names[ObjectIdentifier(channel)] else { return nil }
            state.nextTicket &+= 1
            state.entries[name]?.waiting[state.nextTicket] = now
            return Ticket(session: name, number: state.nextTicket)
        }
    }

    func stored(_ ticket: Ticket) {
        state.withLock { _ = $0.entries[ticket.session]?.waiting.removeValue(forKey: ticket.number) }
    }

    func sessions(now: Date) -> [SessionHealth] {
        let second = Int64(now.timeIntervalSince1970.rounded(.down))
        return state.withLock { state in
            state.entries.values.map { entry in
                var health = entry.health
                health.ratePerSecond = Double(entry.seconds.filter { $0.key > second - 10 && $0.key <= second }.values.reduce(0, +)) / 10
                health.receiptsWaiting = entry.waiting.count
                health.oldestWaitingSince = entry.waiting.values.min()
                return health
            }.sorted { $0.name < $1.name }
        }
    }

    private func update(_ channel: any Channel, _ change: (inout Entry) -> Void) {
        state.withLock { state in
            guard let name = state.names[ObjectIdentifier(channel)], state.entries[name] != nil else { return }
            change(&state.entries[name]!)  // in place: a copy taken out would copy its per-second counts on every send
        }
    }
}
