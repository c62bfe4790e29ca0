import struct Foundation.Date

/// Wall-clock time, injected so tests of retries, schedules and expiry never sleep.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The system clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}
