import Foundation
import HeraldCore

/// Owes the callbacks of events recorded before the ledger owed them itself (a database written by an older Herald,
/// whose fan-out read the event feed from a stored cursor). Runs once at start, before anything records events: from
/// that cursor to the end of the feed, routing each event with ``CallbackRouting`` like the ledger does, then removes
/// the cursor. A delivery is unique per endpoint and event, so running it again (a crash half-way) doubles nothing.
public enum WebhookCatchUp {
    /// The cursor an older Herald's fan-out kept.
    public static let cursorName = "webhooks"

    /// Returns how many deliveries it stored.
    @discardableResult
    public static func run(store: any WebhookStore, pageSize: Int = 1000, now: Date = Date()) async throws -> Int {
        guard var cursor = try await store.feedCursor(name: cursorName) else { return 0 }
        var created = 0
        while true {
            let page = try await store.routedFeed(after: cursor, limit: pageSize)
            guard let end = page.end else { break }
            var outbox = CallbackOutbox(now: now)
            let accounts = outbox.unknownAccounts(page.events.map(\.accountID))
            outbox.learn(try await store.webhooks(accountIDs: accounts), of: accounts)
            for routed in page.events {
                outbox.owe(routed.feed.event, sequence: routed.feed.cursor.seq, subject: routed.subject, messageIsFinal: routed.messageIsFinal)
            }
            created += outbox.deliveries.count
            try await store.enqueueDeliveries(outbox.deliveries, cursorName: cursorName, cursor: end)
            cursor = end
        }
        try await store.enqueueDeliveries([], cursorName: cursorName, cursor: nil)
        return created
    }
}
