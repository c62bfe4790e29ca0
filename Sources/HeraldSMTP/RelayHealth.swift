import Foundation

/// Whether the relay can be reached, decided from the last connection attempts: after a failure that every message
/// would meet (no connection, TLS or AUTH refused, the greeting refused) the relay is down for a back-off that doubles
/// from 1 s to 60 s; the first attempt after it is the probe, and a success ends it. Pure: the clock is given.
struct RelayHealth: Sendable, Hashable {
    private(set) var consecutiveFailures = 0
    private(set) var downUntil: Date?
    private(set) var lastError: String?

    static let firstBackOff: TimeInterval = 1
    static let longestBackOff: TimeInterval = 60

    func isUp(at now: Date) -> Bool {
        guard let downUntil else { return true }
        return now >= downUntil
    }

    mutating func failed(at now: Date, error: String) {
        consecutiveFailures += 1
        let backOff = min(Self.longestBackOff, Self.firstBackOff * pow(2, Double(min(consecutiveFailures - 1, 10))))
        downUntil = now.addingTimeInterval(backOff)
        lastError = error
    }

    mutating func succeeded() {
        consecutiveFailures = 0
        downUntil = nil
        lastError = nil
    }
}
