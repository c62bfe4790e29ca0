import Foundation
import HeraldConnectors
import HeraldCore
import HeraldEngine
import HeraldSQLite
import HeraldStore
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A store that refuses the first `failures` ingests, as a database does while it restarts.
private final class OutageStore: ReceiptStore, ProviderWebhookStore, Sendable {
    let base: SQLiteStore
    let failures = Mutex(0)
    init(base: SQLiteStore, failures: Int) {
        self.base = base
        self.failures.withLock { $0 = failures }
    }
    func ingest(_ receipts: [ProviderReceipt], evidence: [ProviderWebhookRecord], retry: ReceiptRetry) async throws -> [ReceiptOutcome] {
        let refuse = failures.withLock { left in
            defer { left = max(0, left - 1) }
            return left > 0
        }
        if refuse { throw StoreError.unavailable("connection refused (the test's outage)") }
        return try await base.ingest(receipts, evidence: evidence, retry: retry)
    }
    func unmatchedReceipts(connector: String?, limit: Int) async throws -> [UnmatchedReceipt] { try await base.unmatchedReceipts(connector: connector, limit: limit) }
    func rematchParked(limit: Int) async throws -> Int { try await base.rematchParked(limit: limit) }
    func expire(now: Date, limit: Int) async throws -> Int { try await base.expire(now: now, limit: limit) }
    func recordProviderWebhooks(_ webhooks: [ProviderWebhookRecord]) async throws { try await base.recordProviderWebhooks(webhooks) }
    func providerWebhooks(connector: String, limit: Int) async throws -> [ProviderWebhookRecord] { try await base.providerWebhooks(connector: connector, limit: limit) }
}

@Suite("Receipts during a database outage")
struct ReceiptOutageTests {
    @Test("a receipt the store refused more times than one drain retries is stored once the store is back, with no other receipt to wake the ingestor")
    func storedAfterTheOutageWithoutAnotherReceipt() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-outage-\(UUID().uuidString).sqlite").path
        let base = try SQLiteStore(path: path)
        try await base.migrate()
        let store = OutageStore(base: base, failures: 7)  // one drain tries 5 times
        let sink = ReceiptSink()
        let ingestor = ReceiptIngestor(store: store, sink: sink)
        let (stored, storedContinuation) = AsyncStream.makeStream(of: Void.self)
        let services = ServiceGroup(services: [base, ingestor], logger: Logger(label: "test.outage"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            let now = Date()
            sink.deliver(ProviderReceipt(connector: "carrier", providerMessageID: "OUTAGE-1", kind: .status(.delivered), occurredAt: now, receivedAt: now)) {
                storedContinuation.yield()
            }
            // The event, not a time window: the receipt's acknowledgement (after its batch is committed). The 60 s bound
            // only keeps a regression from hanging the whole run.
            let acknowledged = await withTaskGroup(of: Bool.self) { race in
                race.addTask { var iterator = stored.makeAsyncIterator(); return await iterator.next() != nil }
                race.addTask { try? await Task.sleep(for: .seconds(60)); return false }
                let first = await race.next() ?? false
                race.cancelAll()
                return first
            }
            #expect(acknowledged, "the receipt was stored after the outage without another receipt arriving")
            #expect(try await base.unmatchedReceipts(connector: "carrier", limit: 10).map(\.receipt.providerMessageID) == ["OUTAGE-1"])
            #expect(ingestor.counts.parked == 1, "stored once")
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
