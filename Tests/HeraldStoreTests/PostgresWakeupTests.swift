import Foundation
import HeraldCore
import HeraldPostgres
import HeraldStore
import Logging
import Synchronization
import Testing

@Suite("PostgreSQL: nodes wake each other")
struct PostgresWakeupTests {
    @Test("a message queued through one node wakes another node's dispatcher at once (LISTEN / NOTIFY)")
    func queuedWorkWakesOtherNodes() async throws {
        guard StoreFixtures.backends.contains(.postgres) else { return }
        guard let url = StoreFixtures.postgresURL else { throw StoreFixtures.MissingPostgres() }
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let address = "\(url)\(url.contains("?") ? "&" : "?")schema=\(schema)"
        let first = try PostgresStore(url: address, logger: Logger(label: "test.node1"))
        let second = try PostgresStore(url: address, logger: Logger(label: "test.node2"))
        let wakes = Mutex(0)
        second.onQueuedWork { wakes.withLock { $0 += 1 } }
        try await first.withRunning { first in
            try await second.withRunning { _ in
                let account = try await first.ensureAccount(named: "acme")
                // Node 2 listens once its store runs: accept on node 1 until a wake-up arrives (at most 10 s).
                let deadline = ContinuousClock.now + .seconds(10)
                while wakes.withLock({ $0 }) == 0, ContinuousClock.now < deadline {
                    _ = try await first.accept([NewMessage.sms(account: account.id)])
                    for _ in 0..<20 where wakes.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(10)) }
                }
                #expect(wakes.withLock { $0 } > 0, "node 2 was woken by node 1's accept")
            }
        }
    }
}
