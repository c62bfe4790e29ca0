import HeraldMetrics
import Foundation
import HeraldCore
import HeraldStore
import Logging
import ServiceLifecycle

/// Samples the dispatch queue for the metrics every `interval`: its depth and how long the oldest due message has waited.
public final class QueueSampler: Service {
    private let store: any DispatchStore
    private let clock: any WallClock
    private let interval: Duration
    private let logger: Logger

    public init(store: any DispatchStore, clock: any WallClock = SystemWallClock(), interval: Duration = .seconds(5), logger: Logger = Logger(label: "herald.metrics")) {
        self.store = store
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await sample()
            // A graceful shutdown ends the wait at once (the interval can be a minute).
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    /// One sample. Tests call it directly.
    public func sample() async {
        do {
            let now = clock.now()
            let (depth, oldest) = try await store.queueStats(now: now)
            HeraldMetrics.queue(depth: depth, oldestDueSeconds: oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        } catch {
            logger.warning("sampling the queue failed", metadata: ["error": "\(error)"])
        }
    }
}
