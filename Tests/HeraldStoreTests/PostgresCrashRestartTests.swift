import Foundation
import HeraldCore
import HeraldPostgres
import HeraldStore
import Logging
import PostgresNIO
import Synchronization
import Testing

/// When PostgreSQL drops every connection (a crash restart, a failover, an operator terminating backends), each store
/// call in flight ends, with its result or an error, and the next calls work on new connections. postgres-nio 1.33.2
/// never completes a statement written to a connection the server has closed; before `LiveConnection` a node's receipt
/// ingestion and dispatcher hung there for good after a crash (docs/RELIABILITY.md).
@Suite("PostgreSQL: calls in flight when the server drops its connections")
struct PostgresCrashRestartTests {
    @Test("every call in flight when the server closes its connections ends, and every worker goes on afterwards")
    func callsInFlightWhenConnectionsDropEnd() async throws {
        guard StoreFixtures.backends.contains(.postgres) else { return }
        guard let url = StoreFixtures.postgresURL, var components = URLComponents(string: url) else { throw StoreFixtures.MissingPostgres() }
        // The store logs in as a role of its own, so terminating that role's backends leaves other tests' connections alone.
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        let role = "crash_\(suffix)"
        let admin = PostgresClient(configuration: .init(host: components.host ?? "127.0.0.1", port: components.port ?? 5432,
                                                       username: components.user ?? "postgres", password: components.password,
                                                       database: String(components.path.dropFirst()), tls: .disable))
        components.user = role
        components.password = "crash"
        components.queryItems = [URLQueryItem(name: "schema", value: "t_\(suffix)")]
        let store = try PostgresStore(url: components.string!, logger: Logger(label: "test.crash"))
        let workers = 12
        let progress = WorkerProgress(workers: workers)

        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await admin.run() }
            defer { group.cancelAll() }
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE ROLE \(role) LOGIN SUPERUSER PASSWORD 'crash'"))
            try await store.withRunning { store in
                let account = try await store.ensureAccount(named: "crash")
                // Unstructured on purpose: a call that never returns must fail this test, not hang the whole run.
                var tasks: [Task<Void, Never>] = []
                for worker in 0..<workers {
                    tasks.append(Task {
                        var i = 0
                        while !progress.stopped {
                            i += 1
                            do {
                                switch worker % 3 {
                                case 0, 1:  // a ledger transaction
                                    let to = "+1415555\(String(format: "%04d", (worker * 997 + i) % 10000))"
                                    _ = try await store.accept([.sms(account: account.id, to: to)], screening: .none)
                                case _ where worker % 2 == 0:  // one statement on a pooled connection
                                    _ = try await store.account(named: "crash")
                                default:  // several statements on one leased connection
                                    let id = "pwh_\(suffix)_\(worker)_\(i)"
                                    try await store.recordProviderWebhooks([
                                        ProviderWebhookRecord(id: id, connector: "c", kind: "status", receivedAt: Date(), method: "POST", query: nil,
                                                              contentType: nil, body: Data("a".utf8)),
                                        ProviderWebhookRecord(id: id + "b", connector: "c", kind: "status", receivedAt: Date(), method: "POST", query: nil,
                                                              contentType: nil, body: Data("b".utf8)),
                                    ])
                                }
                                progress.succeeded(worker)
                            } catch {
                                progress.failed(worker)
                                try? await Task.sleep(for: .milliseconds(5))
                            }
                        }
                    })
                }

                let terminate = PostgresQuery(unsafeSQL: "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '\(role)'")
                for _ in 0..<5 {
                    // Drop every connection of the store's role while all workers are busy: some mid-transaction, some between
                    // two statements, some idle in the pool.
                    try await progress.waitUntilEveryWorker(succeedsAgain: 20, timeout: .seconds(60))
                    try await admin.query(terminate)
                }
                try await progress.waitUntilEveryWorker(succeedsAgain: 20, timeout: .seconds(60))
                progress.stop()
                for task in tasks { await task.value }
                #expect(progress.failures > 0, "the connections were dropped under calls in flight")
            }
            try await admin.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS t_\(suffix) CASCADE"))
            try await admin.query(PostgresQuery(unsafeSQL: "DROP ROLE IF EXISTS \(role)"))
        }
    }
}

/// How many calls each worker has completed, and waiting on that (an event, not a time window).
private final class WorkerProgress: Sendable {
    private let state: Mutex<(succeeded: [Int], failures: Int, stopped: Bool)>

    init(workers: Int) { state = Mutex((Array(repeating: 0, count: workers), 0, false)) }

    var stopped: Bool { state.withLock { $0.stopped } }
    var failures: Int { state.withLock { $0.failures } }
    func succeeded(_ worker: Int) { state.withLock { $0.succeeded[worker] += 1 } }
    func failed(_ worker: Int) { state.withLock { $0.failures += 1 } }
    func stop() { state.withLock { $0.stopped = true } }

    /// Returns once every worker has completed `count` more calls; fails naming the workers whose call never returned.
    func waitUntilEveryWorker(succeedsAgain count: Int, timeout: Duration) async throws {
        let start = state.withLock { $0.succeeded }
        let deadline = ContinuousClock.now + timeout
        while true {
            let now = state.withLock { $0.succeeded }
            let behind = now.indices.filter { now[$0] < start[$0] + count }
            if behind.isEmpty { return }
            if ContinuousClock.now > deadline {
                stop()
                Issue.record("workers \(behind) made no progress for \(timeout): a store call never returned")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
