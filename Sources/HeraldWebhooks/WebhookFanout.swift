import Foundation
import HeraldCore
import HeraldStore
import Logging
import ServiceLifecycle

/// Turns every event into the deliveries it owes: one per matching webhook of its account, and one to its message's
/// own `callback_url`. Reads the feed of all accounts from its stored cursor and writes the deliveries together with
/// the new cursor, so after a crash it resumes exactly where it stopped (a delivery is unique per endpoint and event).
/// With nothing new it looks again after `pollInterval` (10 ms: an index probe, about 20 µs on SQLite), which bounds the
/// time from a stored status to its callback leaving when the gateway is quiet.
public final class WebhookFanout: Service {
    public static let cursorName = "webhooks"
    private let store: any HeraldStore
    private let clock: any WallClock
    private let pollInterval: Duration
    private let batchSize: Int
    private let logger: Logger
    /// Wakes the sender when new deliveries were stored.
    private let wake: @Sendable () -> Void

    public init(store: any HeraldStore, clock: any WallClock = SystemWallClock(), pollInterval: Duration = .milliseconds(10), batchSize: Int = 1000,
                logger: Logger = Logger(label: "herald.webhooks"), wake: @escaping @Sendable () -> Void = {}) {
        self.store = store
        self.clock = clock
        self.pollInterval = pollInterval
        self.batchSize = batchSize
        self.logger = logger
        self.wake = wake
    }

    public func run() async throws {
        var cursor = try await store.feedCursor(name: Self.cursorName)
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let (next, created) = try await runOnce(after: cursor)
                if next == cursor { try? await Task.sleep(for: pollInterval) }
                if created > 0 { wake() }
                cursor = next
            } catch {
                logger.error("webhook fan-out failed, retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// One page: the cursor after it and how many deliveries it stored. Tests call it directly.
    @discardableResult
    public func runOnce(after cursor: FeedCursor) async throws -> (FeedCursor, Int) {
        let routedPage = try await store.routedFeed(after: cursor, limit: batchSize)
        guard let last = routedPage.end else { return (cursor, 0) }
        let page = routedPage.events
        let accounts = Array(Set(page.map(\.accountID)))
        let hooks = Dictionary(grouping: try await store.webhooks(accountIDs: accounts), by: \.accountID)
        var deliveries: [WebhookDelivery] = []
        let now = clock.now()
        for routed in page {
            let targets = (hooks[routed.accountID] ?? []).filter { $0.wants(routed.feed.event.kind.rawValue) }
            guard !targets.isEmpty || routed.callbackURL != nil else { continue }
            var payloads: [Vocabulary: String] = [:]
            func payload(_ vocabulary: Vocabulary) -> String {
                if let built = payloads[vocabulary] { return built }
                let built = WebhookPayload.json(routed, vocabulary: vocabulary)
                payloads[vocabulary] = built
                return built
            }
            for hook in targets {
                deliveries.append(WebhookDelivery(accountID: routed.accountID, webhookID: hook.id, url: hook.url, eventID: routed.feed.event.id,
                                                  messageID: routed.feed.event.messageID, sequence: routed.feed.cursor.seq, payload: payload(hook.vocabulary),
                                                  nextAttemptAt: now, createdAt: now))
            }
            if let url = routed.callbackURL {
                deliveries.append(WebhookDelivery(accountID: routed.accountID, webhookID: nil, url: url, eventID: routed.feed.event.id,
                                                  messageID: routed.feed.event.messageID, sequence: routed.feed.cursor.seq, payload: payload(.canonical),
                                                  nextAttemptAt: now, createdAt: now))
            }
        }
        // A page with nothing to deliver still moves the cursor (one small write per page of events).
        try await store.enqueueDeliveries(deliveries, cursorName: Self.cursorName, cursor: last)
        return (last, deliveries.count)
    }
}
