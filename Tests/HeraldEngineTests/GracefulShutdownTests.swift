import Foundation
import HeraldConnectors
import HeraldCore
import HeraldEngine
import HeraldSQLite
import HeraldStore
import Logging
import ServiceLifecycle
import Testing

@Suite("Graceful shutdown and restart")
struct GracefulShutdownTests {
    /// The engine's services in the order `herald serve` runs them (shut down in reverse).
    func services(_ store: SQLiteStore) -> [any Service] {
        let sink = ReceiptSink()
        let simulator = SimulatorConnector(configuration: SimulatorConfiguration(mix: [(.delivered, 9), (.undelivered(.handsetBusy), 1)], receiptDelay: 0.01...0.2), sink: sink)
        let dispatcher = Dispatcher(store: store, connectors: ConnectorRegistry([simulator]), configuration: .init(workers: 2, batchSize: 50, pollInterval: .milliseconds(10)))
        return [store, ReceiptIngestor(store: store, sink: sink), simulator, dispatcher]
    }

    @Test("shutdown mid-stream leaves every message either untouched (QUEUED) or recorded, and a restart finishes them all")
    func shutdownAndRestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-shutdown-\(UUID().uuidString).sqlite").path
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        let account = try await store.ensureAccount(named: "acme")
        let gateway = Gateway(store: store)
        let requests = (0..<2000).map { SendRequest(channel: "sms", to: "+1415558\(2000 + $0)", text: "hello \($0)") }
        for chunk in stride(from: 0, to: requests.count, by: 500) {
            _ = try await gateway.send(Array(requests[chunk..<chunk + 500]), accountID: account.id).get()
        }

        let first = ServiceGroup(services: services(store), logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await first.run() }
            // Let dispatch get going, then stop in the middle of it.
            while try await store.statusCounts(accountID: account.id, since: nil).filter({ $0.key.isFinal }).values.reduce(0, +) < 100 {
                try await Task.sleep(for: .milliseconds(5))
            }
            await first.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        let afterStop = try await store.statusCounts(accountID: account.id, since: nil)
        #expect(afterStop[.sending] == nil, "no message left half-sent: \(afterStop)")
        #expect(afterStop[.accepted] == nil && afterStop[.sent] == nil, "every receipt in flight was ingested before stopping: \(afterStop)")
        #expect((afterStop[.queued] ?? 0) > 0, "the stop came mid-stream: \(afterStop)")

        let second = ServiceGroup(services: services(store), logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await second.run() }
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let counts = try await store.statusCounts(accountID: account.id, since: nil)
                if counts.filter({ $0.key.isFinal }).values.reduce(0, +) == requests.count { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            await second.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        let counts = try await store.statusCounts(accountID: account.id, since: nil)
        #expect(counts.filter { $0.key.isFinal }.values.reduce(0, +) == requests.count, "\(counts)")
        #expect(Set(counts.keys).isSubset(of: [.delivered, .undelivered]))
    }
}
