import Foundation
import GRDB
import Synchronization
import Testing
@testable import HeraldSQLite

/// SQLite's one writer pipeline: writes that queue up share a transaction, yet each succeeds or fails on its own.
@Suite struct WriterPipelineTests {
    struct Refused: Error, Equatable { var number: Int }

    private func pool() throws -> (DatabasePool, URL) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID().uuidString).sqlite")
        let pool = try DatabasePool(path: url.path)
        try pool.write { db in try db.execute(sql: "CREATE TABLE rows (number INTEGER PRIMARY KEY)") }
        return (pool, url)
    }

    @Test func a_failing_write_is_undone_alone_and_every_caller_gets_its_own_answer() async throws {
        let (pool, url) = try pool()
        defer { try? FileManager.default.removeItem(at: url) }
        let writer = WriterPipeline(pool: pool, maxWrites: 16)
        let answers = await withTaskGroup(of: (Int, Result<Int, Refused>).self, returning: [Int: Result<Int, Refused>].self) { group in
            for number in 0..<300 {
                group.addTask {
                    do {
                        let value = try await writer.write { db -> Int in
                            try db.execute(sql: "INSERT INTO rows (number) VALUES (?)", arguments: [number])
                            // Every seventh write fails after its insert: its row must not survive.
                            if number % 7 == 0 { throw Refused(number: number) }
                            return number * 2
                        }
                        return (number, .success(value))
                    } catch {
                        return (number, .failure(error as! Refused))
                    }
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(answers.count == 300)
        for (number, answer) in answers {
            if number % 7 == 0 {
                #expect(answer == .failure(Refused(number: number)))
            } else {
                #expect(answer == .success(number * 2))
            }
        }
        let stored = try await pool.read { db in try Int.fetchAll(db, sql: "SELECT number FROM rows ORDER BY number") }
        #expect(stored == (0..<300).filter { $0 % 7 != 0 })
    }

    @Test func a_failed_commit_fails_every_write_of_the_transaction() async throws {
        let (pool, url) = try pool()
        defer { try? FileManager.default.removeItem(at: url) }
        try await pool.write { db in
            try db.execute(sql: "CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)")
        }
        let writer = WriterPipeline(pool: pool)
        // A deferred foreign key is checked at the commit: the commit fails, and so does the write.
        await #expect(throws: DatabaseError.self) {
            try await writer.write { db in try db.execute(sql: "INSERT INTO child (parent) VALUES (42)") }
        }
        // The pipeline is usable afterwards.
        let value = try await writer.write { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM child") ?? -1 }
        #expect(value == 0)
    }

    final class Log: Sendable {
        let entries = Mutex<[String]>([])
        func append(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    @Test func an_urgent_write_goes_in_the_next_transaction_before_writes_queued_earlier() async throws {
        let (pool, url) = try pool()
        defer { try? FileManager.default.removeItem(at: url) }
        let writer = WriterPipeline(pool: pool)
        let gate = DispatchSemaphore(value: 0)
        let log = Log()
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The transaction in flight: holds the writer until the others are queued.
            group.addTask { try await writer.write { _ in log.append("in flight"); gate.wait() } }
            while log.all.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
            for index in 0..<3 {
                group.addTask { try await writer.write { _ in log.append("claim \(index)") } }
            }
            while writer.queuedCount < 3 { try await Task.sleep(for: .milliseconds(1)) }
            group.addTask { try await writer.write(urgent: true) { _ in log.append("accept") } }
            while writer.queuedCount < 4 { try await Task.sleep(for: .milliseconds(1)) }
            gate.signal()
            try await group.waitForAll()
        }
        let written = log.all
        #expect(written.first == "in flight")
        #expect(written.dropFirst().first == "accept")
        #expect(Set(written.dropFirst(2)) == ["claim 0", "claim 1", "claim 2"])
    }

    @Test func urgent_writes_never_starve_the_others() async throws {
        let (pool, url) = try pool()
        defer { try? FileManager.default.removeItem(at: url) }
        let writer = WriterPipeline(pool: pool)
        let rounds = WriterPipeline.maxUrgentInARow
        let gates = (0...rounds).map { _ in DispatchSemaphore(value: 0) }
        let log = Log()
        @Sendable func stamp(_ db: Database) -> String { String((try? db.transactionDate)?.timeIntervalSince1970 ?? 0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.write { db in log.append("in-flight \(stamp(db))"); gates[0].wait() } }
            while log.all.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
            group.addTask { try await writer.write { db in log.append("claim \(stamp(db))") } }
            while writer.queuedCount < 1 { try await Task.sleep(for: .milliseconds(1)) }
            // Each urgent write arrives while the one before is being written: they keep coming.
            for round in 1...rounds + 1 {
                group.addTask {
                    try await writer.write(urgent: true) { db in
                        log.append("accept-\(round) \(stamp(db))")
                        if round <= rounds { gates[round].wait() }
                    }
                }
                while writer.queuedCount < 2 { try await Task.sleep(for: .milliseconds(1)) }
                gates[round - 1].signal()
                if round <= rounds {
                    while !log.all.contains(where: { $0.hasPrefix("accept-\(round) ") }) { try await Task.sleep(for: .milliseconds(1)) }
                }
            }
            try await group.waitForAll()
        }
        let entries = log.all.map { $0.split(separator: " ").map(String.init) }
        #expect(entries.map(\.[0]) == ["in-flight"] + (1...rounds + 1).map { "accept-\($0)" } + ["claim"])
        // The first urgent writes had transactions of their own; after maxUrgentInARow the claim went with the next one.
        let transactions = entries.map(\.[1])
        #expect(Set(transactions.prefix(rounds + 1)).count == rounds + 1)
        #expect(transactions[rounds + 1] == transactions[rounds + 2])
    }
}
