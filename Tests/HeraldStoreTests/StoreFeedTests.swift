import Foundation
import HeraldCore
import HeraldStore
import Testing

@Suite("Store contract: event feed")
struct StoreFeedTests {
    @Test("the feed pages through an account's events in order; a cursor resumes exactly after it; accounts are isolated",
          arguments: StoreFixtures.backends)
    func pages(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let other = try await store.ensureAccount(named: "other")
            let now = Date()
            let messages = (0..<7).map { NewMessage.sms(account: account.id, to: "+1415555\(2000 + $0)", at: now) }
            _ = try await store.accept(messages)
            _ = try await store.accept([NewMessage.sms(account: other.id, at: now)])
            let claimed = try await store.claim(owner: "w", limit: 3, now: now, leaseUntil: now.addingTimeInterval(30))
                .filter { $0.accountID == account.id }.count
            // 7 QUEUED, then SENDING for acme's claimed messages. On PostgreSQL the feed waits for every older
            // transaction of the cluster (other tests run in parallel), so read until all have appeared.
            let expected = 7 + claimed
            var seen: [FeedEvent] = []
            var cursor = FeedCursor.start
            let deadline = Date().addingTimeInterval(20)
            while seen.count < expected, Date() < deadline {
                let page = try await store.feed(accountID: account.id, after: cursor, limit: 4)
                if page.isEmpty { try await Task.sleep(for: .milliseconds(20)); continue }
                seen += page
                cursor = page.last!.cursor
            }
            #expect(seen.count == expected)
            #expect(Set(seen.map(\.event.id)).count == expected)
            #expect(seen.map(\.cursor) == seen.map(\.cursor).sorted())
            #expect(seen.prefix(7).allSatisfy { $0.event.kind == .status(.queued) })
            #expect(seen.allSatisfy { messages.map(\.id).contains($0.event.messageID) })
            #expect(try await store.feed(accountID: account.id, after: cursor, limit: 10).isEmpty)
            #expect(FeedCursor(cursor.description) == cursor)
            // Where a live stream starts: the account's latest event (another account's do not count).
            #expect(try await store.feedEnd(accountID: account.id) == cursor)
            #expect(try await store.feedEnd(accountID: "acc_none") == .start)
            #expect(try await store.hasSchema())
        }
    }

    @Test("a consumer reading while many writers commit concurrently gets every event exactly once", arguments: StoreFixtures.backends)
    func concurrentWriters(backend: Backend) async throws {
        try await StoreFixtures.withStore(backend) { store, _ in
            let account = try await store.ensureAccount(named: "acme")
            let now = Date()
            let writers = 8, perWriter = 25
            let read = try await withThrowingTaskGroup(of: [String].self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for index in 0..<perWriter {
                            _ = try await store.accept([NewMessage.sms(account: account.id, to: "+1415555\(2000 + writer * 100 + index)", at: now)])
                        }
                        return []
                    }
                }
                group.addTask {
                    var ids: [String] = []
                    var cursor = FeedCursor.start
                    let deadline = Date().addingTimeInterval(60)
                    while ids.count < writers * perWriter, Date() < deadline {
                        let page = try await store.feed(accountID: account.id, after: cursor, limit: 7)
                        ids += page.map(\.event.id)
                        cursor = page.last?.cursor ?? cursor
                        if page.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
                    }
                    return ids
                }
                var all: [String] = []
                for try await ids in group { all += ids }
                return all
            }
            #expect(read.count == writers * perWriter)
            #expect(Set(read).count == writers * perWriter)
        }
    }
}
