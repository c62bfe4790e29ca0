import Foundation
import HeraldCore
import HeraldStore
import Logging
import ServiceLifecycle

/// Ends every message that has no final status at the end of its validity: EXPIRED / UNKNOWN_OUTCOME.
/// A real receipt arriving later still replaces it (stronger evidence). Nothing stays non-final forever.
/// Each sweep (every second) also applies parked receipts whose correlation exists by now.
public final class ExpiryTimer: Service {
    private let store: any ReceiptStore
    private let clock: any WallClock
    private let interval: Duration
    private let logger: Logger

    public init(store: any ReceiptStore, clock: any WallClock = SystemWallClock(), interval: Duration = .seconds(1), logger: Logger = Logger(label: "herald.expiry")) {
        self.store = store
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await sweep()
            } catch {
                logger.error("expiry sweep failed", metadata: ["error": "\(error)"])
            }
            // A graceful shutdown ends the wait at once (the interval can be a minute).
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    /// Expires everything overdue now and applies parked receipts whose correlation appeared meanwhile.
    /// Returns how many messages it expired.
    @discardableResult
    public func sweep() async throws -> Int {
        while try await store.rematchParked(limit: 1000) > 0 {}
        var total = 0
        while true {
            let count = try await store.expire(now: clock.now(), limit: 1000)
            total += count
            if count < 1000 { return total }
        }
    }
}
