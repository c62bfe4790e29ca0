import Foundation
import HeraldCore
import HeraldPostgres
import HeraldSQLite
import HeraldStore
import Logging

/// The store's write path alone, in process, without sockets: the instrument for the writer's cost per message (the
/// end-to-end figure of bench/e2e.sh moves by ±15 % with the machine; this one by a few %).
///
/// Accepts N SMS in batches of 1,000, then repeats until every message is final: claim a batch (SENDING), record the
/// provider's answer (ACCEPTED with a correlation), ingest a DELIVERED receipt for each; one webhook subscribed to the
/// final statuses, so each DELIVERED also stores its callback delivery. Prints msg/s and CPU ms per message per phase.
///
///     herald-ledger-bench [N] [sqlite:PATH | postgres://...]   (default 20000, a fresh SQLite file)
@main
struct LedgerBench {
    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst()
        let count = arguments.first.flatMap(Int.init) ?? 20_000
        let url = arguments.dropFirst().first
        let store: any HeraldStore
        var cleanup: String?
        if let url, url.hasPrefix("postgres") {
            store = try PostgresStore(url: url, logger: Logger(label: "bench"))
        } else {
            let path = url.map { String($0.dropFirst("sqlite:".count)) }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("ledger-bench-\(UUID().uuidString).sqlite").path
            if url == nil { cleanup = path }
            store = try SQLiteStore(path: path)
        }
        defer { if let cleanup { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: cleanup + suffix) } } }
        try await store.withRunning { store in
            let account = try await store.ensureAccount(named: "bench-\(UUID().uuidString.prefix(8))")
            try await store.createWebhook(Webhook(id: "wh_bench\(UUID().uuidString.prefix(8))", accountID: account.id, url: "http://127.0.0.1:9/hook",
                                                  events: ["DELIVERED", "UNDELIVERED", "FAILED", "EXPIRED", "REJECTED"], secret: "whsec_bench", createdAt: Date()))
            let validator = MessageValidator()
            var phases: [(String, Duration, Double)] = []
            func measure(_ name: String, _ body: () async throws -> Void) async rethrows {
                let cpu = Self.cpuSeconds(), start = ContinuousClock.now
                try await body()
                phases.append((name, ContinuousClock.now - start, Self.cpuSeconds() - cpu))
            }
            try await measure("accept") {
                for batch in stride(from: 0, to: count, by: 1000) {
                    let messages = (batch..<min(count, batch + 1000)).map { index in
                        let draft = try! validator.validate(SendRequest(channel: "sms", to: String(format: "+447400%06d", index % 1_000_000), text: "Your code is 123456")).get()
                        return NewMessage(accountID: account.id, draft: draft, createdAt: Date(), priceMicros: 7_500)
                    }
                    _ = try await store.accept(messages)
                }
            }
            var receipts: [ProviderReceipt] = []
            var claimed = 0, sequence = 0
            var claimTime = (Duration.zero, 0.0), recordTime = (Duration.zero, 0.0), ingestTime = (Duration.zero, 0.0)
            func timed(_ slot: inout (Duration, Double), _ body: () async throws -> Void) async rethrows {
                let cpu = Self.cpuSeconds(), start = ContinuousClock.now
                try await body()
                slot.0 += ContinuousClock.now - start
                slot.1 += Self.cpuSeconds() - cpu
            }
            while claimed < count {
                var jobs: [DispatchJob] = []
                try await timed(&claimTime) {
                    jobs = try await store.claim(owner: "bench", limit: store.claimBatchSize, now: Date(), leaseUntil: Date().addingTimeInterval(60))
                }
                guard !jobs.isEmpty else { break }
                claimed += jobs.count
                let now = Date()
                let changes = jobs.map { job -> MessageChange in
                    sequence += 1
                    let id = String(format: "%08x", sequence)
                    receipts.append(ProviderReceipt(connector: "smsc", providerMessageID: id, kind: .status(.delivered), occurredAt: now, receivedAt: now,
                                                    detail: ProviderDetail(status: "DELIVRD", errorCode: "000")))
                    return DispatchDecision(job: job, retry: RetryPolicy()).decide(job.pendingParts.map {
                        .init(part: $0, connector: "smsc", at: now, answer: .taken(.accepted, providerMessageID: id, matchKeys: [id], detail: nil))
                    }, now: now)
                }
                try await timed(&recordTime) { try await store.record(changes) }
                while receipts.count >= store.ingestBatchSize || (claimed >= count && !receipts.isEmpty) {
                    let batch = Array(receipts.prefix(store.ingestBatchSize))
                    receipts.removeFirst(batch.count)
                    try await timed(&ingestTime) { _ = try await store.ingest(batch) }
                }
            }
            phases += [("claim", claimTime.0, claimTime.1), ("record", recordTime.0, recordTime.1), ("ingest", ingestTime.0, ingestTime.1)]
            let total = phases.reduce((Duration.zero, 0.0)) { ($0.0 + $1.1, $0.1 + $1.2) }
            for (name, wall, cpu) in phases + [("total", total.0, total.1)] {
                let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
                print(String(format: "ledger %@ messages=%d seconds=%.2f rate=%.0f msg/s cpu_ms_per_message=%.4f", name, count, seconds,
                             Double(count) / seconds, cpu * 1000 / Double(count)))
            }
        }
    }

    /// User + system CPU of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
