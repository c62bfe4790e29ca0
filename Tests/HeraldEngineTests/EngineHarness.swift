import Foundation
import HeraldConnectors
import HeraldCore
import HeraldEngine
import HeraldSQLite
import HeraldStore
import Synchronization

/// A wall clock tests move by hand: retries, receipt delays and expiry without sleeping.
final class TestClock: WallClock {
    private let current: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }
    func now() -> Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Herald's engine on a store (a temporary SQLite file unless given one), driven step by step.
struct EngineHarness {
    let store: any HeraldStore
    let clock = TestClock()
    let sink = ReceiptSink()
    let simulator: SimulatorConnector
    let dispatcher: Dispatcher
    let ingestor: ReceiptIngestor
    let expiry: ExpiryTimer
    let gateway: Gateway
    let account: Account

    init(store given: (any HeraldStore)? = nil, receiptDelay: ClosedRange<Double> = 1...2, mix: [(outcome: SimulatedOutcome, weight: Double)] = [(.delivered, 1)],
         otherConnectors: [any Connector] = [], routes: [ConnectorRegistry.Route] = [], receiptRetries: Bool = false, batchSize: Int = 64) async throws {
        if let given {
            store = given
        } else {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-engine-\(UUID().uuidString).sqlite").path
            store = try SQLiteStore(path: path)
            try await store.migrate()
        }
        simulator = SimulatorConnector(
            configuration: SimulatorConfiguration(mix: mix, receiptDelay: receiptDelay, sendsIntermediate: true, duplicateRate: 0, reorderRate: 0),
            sink: sink, clock: clock
        )
        let retry = RetryPolicy(maxAttempts: 4, baseDelay: 1, maxDelay: 30, jitter: 0)
        dispatcher = Dispatcher(store: store, connectors: ConnectorRegistry(otherConnectors + [simulator], routes: routes, tripAfter: 5, coolOff: 600),
                                configuration: .init(workers: 1, batchSize: batchSize, lease: 30, retry: retry),
                                clock: clock)
        ingestor = ReceiptIngestor(store: store, sink: sink, retry: receiptRetries ? retry : nil, clock: clock)
        expiry = ExpiryTimer(store: store, clock: clock)
        gateway = Gateway(store: store, clock: clock)
        account = try await store.ensureAccount(named: "acme")
    }

    func send(_ request: SendRequest) async throws -> String {
        let accepted = try await gateway.send([request], accountID: account.id).get()
        return accepted[0].outcome.messageID
    }

    /// Runs dispatch, receipt release and ingestion, moving the clock `step` seconds each round.
    func settle(rounds: Int = 12, step: TimeInterval = 40) async throws {
        for _ in 0..<rounds {
            while try await dispatcher.runOnce() > 0 {}
            clock.advance(by: step)
            simulator.releaseDue()
            await ingestor.drain()
        }
    }

    func message(_ id: String) async throws -> MessageRecord? {
        try await store.message(id: id, accountID: account.id)
    }
}
