import ArgumentParser
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// Load generator for a running `herald serve`: single sends, batches, end-to-end through the simulator,
/// and status lookups over a large store. Prints one line per figure. `bench/run.sh` starts the servers.
@main
struct HeraldBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "herald-bench")

    @Option var host = "127.0.0.1"
    @Option var port = 8080
    @Option var key: String = ""
    @Option(help: "Phase kannel: the dlr-url Kannel calls for each report (a herald-receiver), as http://HOST:PORT.") var dlrReceiver = "http://127.0.0.1:18601"
    @Option(help: "Concurrent connections for single sends and lookups.") var connections = 64
    @Option(help: "Seconds per timed phase.") var seconds = 10.0
    @Option(help: "Messages for the end-to-end phase.") var endToEnd = 100_000
    @Option(help: "End to end: messages per request (1: POST /v1/messages one by one, else batches).") var e2eBatch = 1000
    @Option(help: "End to end: offered messages per second (0: as fast as the server takes them).") var rate = 0.0
    @Option(help: "End to end: concurrent client connections (0: 32 for one message per request, 4 for batches).") var e2eConnections = 0
    @Option(help: "Messages stored before measuring lookups.") var stored = 1_000_000
    @Option(help: "Seconds to wait for the backlog to drain before lookups.") var drainTimeout = 900.0
    @Option(help: "Channel of the messages sent: sms, or email (to userN@example.com through the server's email route).") var channel = "sms"
    @Option(help: "End to end: non-final statuses that count as done, comma-separated (e.g. SENT for e-mail through a relay).") var settled = ""
    @Option(help: "Phase replay: the prepared requests, one per line.") var replayFile = ""
    @Option(help: "Phases to run, comma-separated: e2e,single,batch,lookup (and health, the framework baseline; fill: only store `stored` messages).") var phases = "e2e,single,batch,lookup"

    func run() async throws {
        let numbers = Counter()
        // Recipients that are never magic (last four digits 2000-9999).
        @Sendable func recipient() -> String {
            let n = numbers.next()
            return "+1415\(200 + (n / 8000) % 800)\(2000 + n % 8000)"
        }
        // Bodies are written as text: the load generator shares the two cores with the server, so it must be cheap.
        let email = channel == "email"
        @Sendable func smsJSON() -> String {
            if email {
                return "{\"channel\":\"email\",\"to\":\"user\(numbers.next())@example.com\",\"from\":\"Acme <no-reply@acme.test>\",\"subject\":\"Your order\",\"text\":\"Your order ships today.\"}"
            }
            return "{\"channel\":\"sms\",\"to\":\"\(recipient())\",\"from\":\"Herald\",\"text\":\"Your code is 123456\"}"
        }
        let settledStatuses = Set(settled.split(separator: ",").map(String.init))
        @Sendable func batchBody(_ size: Int) -> ByteBuffer {
            var text = "{\"messages\":["
            text.reserveCapacity(size * 90)
            for index in 0..<size {
                if index > 0 { text += "," }
                text += smsJSON()
            }
            text += "]}"
            return ByteBuffer(string: text)
        }
        let auth = [("Authorization", "Bearer \(key)")]

        let selected = Set(phases.split(separator: ",").map(String.init))
        // Provider webhooks (bench/providers.sh): replays prepared requests, one per line of --replay-file
        // (PATH <tab> HEADER-NAME: VALUE <tab> CONTENT-TYPE <tab> BODY), on --connections connections; prints requests/s.
        if selected.contains("replay") {
            // Split as bytes (a String split by Character took most of a second for 60,000 lines, all before the clock).
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: replayFile)))
            let lines = bytes.split(separator: UInt8(ascii: "\n")).map { line in
                line.split(separator: UInt8(ascii: "\t"), maxSplits: 3).map { String(decoding: $0, as: UTF8.self) }
            }
            let next = Counter(), failures = LatencyRecorder()
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<connections {
                    group.addTask {
                        try await HTTPConnection.run(host: host, port: port, next: {
                            let index = next.next() - 1
                            guard index < lines.count, lines[index].count == 4 else { return nil }
                            let line = lines[index]
                            let header = line[1].split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                            return (.POST, line[0], [(header[0], header.count > 1 ? header[1] : ""), ("Content-Type", line[2])], ByteBuffer(string: line[3]))
                        }, onReply: { reply, duration in
                            failures.record(duration, ok: (200..<300).contains(reply.status), error: "HTTP \(reply.status): \(String(buffer: reply.body).prefix(200))")
                        })
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            say("replay requests=\(lines.count) seconds=\(String(format: "%.3f", seconds)) per_second=\(Int(Double(lines.count) / seconds)) errors=\(failures.errors.count)")
            if let first = failures.errors.first { say("  first error: \(first)") }
            return
        }
        // Kannel side by side (bench/kannel.sh): `end-to-end` messages through smsbox's sendsms at --port, one per request
        // (its interface takes one), on 32 connections like the one-per-request phase, each with a dlr-url at the receiver.
        if selected.contains("kannel") {
            let sequence = Counter()
            try await batches(count: endToEnd, connections: 32, method: .GET, path: { _ in
                let n = sequence.next() - 1
                let to = String(format: "1415%07d", 2000 + n % 8000 + (n / 8000) * 10000)
                let dlr = "\(dlrReceiver)/dlr?n=\(n)&status=%d".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                return "/cgi-bin/sendsms?username=bench&password=bench&from=Herald&to=\(to)&text=Your+code+is+123456&dlr-mask=3&dlr-url=\(dlr)"
            }, body: { ByteBuffer() }, auth: [], accepted: [200, 202])
            return
        }
        // 1. End to end: accept N messages in batches, wait until every one is final.
        if selected.contains("e2e") {
        let e2eStart = ContinuousClock.now
        let before = try await stats()
        if e2eBatch <= 1 {
            try await batches(count: endToEnd, connections: e2eConnections > 0 ? e2eConnections : 32, path: "/v1/messages", body: { ByteBuffer(string: smsJSON()) }, auth: auth,
                              perSecond: rate)
        } else {
            try await batches(count: endToEnd / e2eBatch, connections: e2eConnections > 0 ? e2eConnections : 4, body: { batchBody(e2eBatch) }, auth: auth,
                              perSecond: rate / Double(e2eBatch))
        }
        let acceptedAt = ContinuousClock.now
        let target = before.total + endToEnd
        while true {
            let now = try await stats()
            let done = settledStatuses.reduce(0) { $0 + (now.byStatus[$1] ?? 0) }
            if now.total >= target, now.pending - done == 0 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let e2eSeconds = seconds(ContinuousClock.now - e2eStart)
        say(String(format: "end_to_end messages=%d accept_s=%.2f total_s=%.2f rate=%.0f msg/s", endToEnd, seconds(acceptedAt - e2eStart), e2eSeconds, Double(endToEnd) / e2eSeconds))
        }

        // 2. Single sends: `connections` clients, each waiting for its answer before the next request.
        if selected.contains("single") {
        let single = LatencyRecorder()
        let singleSeconds = try await timedLoad(recorder: single, expecting: 202) {
            (.POST, "/v1/messages", auth, ByteBuffer(string: smsJSON()))
        }
        say(String(format: "single_send clients=%d requests=%d rate=%.0f req/s p50=%.2f ms p99=%.2f ms errors=%d",
                     connections, single.count, Double(single.count) / singleSeconds, single.percentile(0.5), single.percentile(0.99), single.errors.count))
        if let first = single.errors.first { say("  first error: \(first.prefix(300))") }
        }

        // 3. Batches of 1,000 for `seconds`.
        if selected.contains("batch") {
        let batchStart = ContinuousClock.now
        let sentBatches = try await batches(until: batchStart.advanced(by: .seconds(seconds)), connections: 4, body: { batchBody(1000) }, auth: auth)
        let batchSeconds = seconds(ContinuousClock.now - batchStart)
        say(String(format: "batch_send batches=%d messages=%d rate=%.0f msg/s", sentBatches, sentBatches * 1000, Double(sentBatches * 1000) / batchSeconds))
        }
        if selected.contains("health") {
            let health = LatencyRecorder()
            let healthSeconds = try await timedLoad(recorder: health, expecting: 200) { (.GET, "/health", [], nil) }
            say(String(format: "health clients=%d rate=%.0f req/s p50=%.2f ms p99=%.2f ms", connections, Double(health.count) / healthSeconds, health.percentile(0.5), health.percentile(0.99)))
        }
        guard selected.contains("lookup") || selected.contains("fill") else { return }

        // 4. Fill the store to `stored` messages, let dispatch drain, then look messages up ("fill": only the first step).
        let filled = try await stats()
        if filled.total < stored {
            let missing = (stored - filled.total + 999) / 1000
            let fillStart = ContinuousClock.now
            try await batches(count: missing, connections: 4, body: { batchBody(1000) }, auth: auth)
            say(String(format: "fill messages=%d rate=%.0f msg/s", missing * 1000, Double(missing * 1000) / seconds(ContinuousClock.now - fillStart)))
        }
        guard selected.contains("lookup") else { return }
        let drainStart = ContinuousClock.now
        var drained = try await stats()
        while drained.pending > 0, seconds(ContinuousClock.now - drainStart) < drainTimeout {
            try await Task.sleep(for: .seconds(1))
            drained = try await stats()
        }
        say(String(format: "drain total=%d pending=%d waited_s=%.1f", drained.total, drained.pending, seconds(ContinuousClock.now - drainStart)))
        let ids = try await sampleIDs(auth: auth)
        // Latency of one lookup (one client), then throughput under `connections` clients.
        for clients in [1, connections] {
            let lookups = LatencyRecorder()
            let lookupSeconds = try await timedLoad(recorder: lookups, expecting: 200, clients: clients) { (.GET, "/v1/messages/\(ids.randomElement()!)", auth, nil) }
            say(String(format: "status_lookup stored=%d clients=%d requests=%d rate=%.0f req/s p50=%.2f ms p99=%.2f ms errors=%d",
                         drained.total, clients, lookups.count, Double(lookups.count) / lookupSeconds,
                         lookups.percentile(0.5), lookups.percentile(0.99), lookups.errors.count))
        }
    }

    /// `connections` clients, each sending its next request when the previous one is answered, for `seconds`.
    /// Returns the elapsed seconds.
    func timedLoad(
        recorder: LatencyRecorder, expecting status: Int, clients: Int? = nil,
        request: @escaping @Sendable () -> (method: HTTPMethod, path: String, headers: [(String, String)], body: ByteBuffer?)
    ) async throws -> Double {
        let start = ContinuousClock.now
        let deadline = start.advanced(by: .seconds(seconds))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<(clients ?? connections) {
                group.addTask {
                    try await HTTPConnection.run(host: host, port: port, next: { ContinuousClock.now < deadline ? request() : nil }, onReply: { reply, duration in
                        recorder.record(duration, ok: reply.status == status, error: "HTTP \(reply.status): \(String(buffer: reply.body).prefix(300))")
                    })
                }
            }
            try await group.waitForAll()
        }
        return seconds(ContinuousClock.now - start)
    }

    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// `GET /v1/stats` totals.
    func stats() async throws -> (total: Int, pending: Int, byStatus: [String: Int]) {
        let result = Locked<(Int, Int, [String: Int])>((0, 0, [:]))
        let sent = Locked(false)
        try await HTTPConnection.run(host: host, port: port, next: {
            sent.withLock { done in defer { done = true }; return done ? nil : (.GET, "/v1/stats", [("Authorization", "Bearer \(key)")], nil) }
        }, onReply: { reply, _ in
            let json = (try? JSONSerialization.jsonObject(with: Data(reply.body.readableBytesView))) as? [String: Any] ?? [:]
            result.withLock { $0 = (json["total"] as? Int ?? 0, json["pending"] as? Int ?? 0, json["by_status"] as? [String: Int] ?? [:]) }
        })
        return result.withLock { $0 }
    }

    /// Message ids spread over the log (every page of 500 newest first, sampled).
    func sampleIDs(auth: [(String, String)]) async throws -> [String] {
        let ids = Locked<[String]>([])
        let cursor = Locked<String?>(nil)
        let pages = Locked(0)
        try await HTTPConnection.run(host: host, port: port, next: {
            let page = pages.withLock { value -> Int in value += 1; return value }
            guard page <= 40 else { return nil }
            let after = cursor.withLock { $0 }
            if page > 1, after == nil { return nil }
            return (.GET, "/v1/messages?limit=500" + (after.map { "&cursor=\($0)" } ?? ""), auth, nil)
        }, onReply: { reply, _ in
            let json = (try? JSONSerialization.jsonObject(with: Data(reply.body.readableBytesView))) as? [String: Any] ?? [:]
            let page = (json["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            ids.withLock { $0 += page }
            // Jump far back in time between pages so the sample covers old and new messages.
            cursor.withLock { $0 = json["next_cursor"] as? String }
        })
        return ids.withLock { $0 }
    }

    @discardableResult
    func batches(count: Int? = nil, until deadline: ContinuousClock.Instant? = nil, connections: Int, path: String = "/v1/messages/batch",
                 body: @escaping @Sendable () -> ByteBuffer, auth: [(String, String)], perSecond: Double = 0) async throws -> Int {
        try await batches(count: count, until: deadline, connections: connections, method: .POST, path: { _ in path }, body: body, auth: auth,
                          perSecond: perSecond, accepted: [202])
    }

    /// `connections` clients, each sending its next request when the previous one is answered (`path` per request).
    @discardableResult
    func batches(count: Int? = nil, until deadline: ContinuousClock.Instant? = nil, connections: Int, method: HTTPMethod,
                 path: @escaping @Sendable (Int) -> String, body: @escaping @Sendable () -> ByteBuffer, auth: [(String, String)],
                 perSecond: Double = 0, accepted: Set<Int>) async throws -> Int {
        let issued = Locked(0)
        // Paced: request k leaves at start + k / perSecond (an open-loop offered rate), whichever connection is free.
        let slots = Locked(0)
        let paceStart = ContinuousClock.now
        let pace: @Sendable () async -> Void = {
            guard perSecond > 0 else { return }
            let slot = slots.withLock { value -> Int in value += 1; return value - 1 }
            try? await Task.sleep(until: paceStart + .seconds(Double(slot) / perSecond), clock: .continuous)
        }
        let failures = LatencyRecorder()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<connections {
                group.addTask {
                    try await HTTPConnection.run(host: host, port: port, next: {
                        let go = issued.withLock { value -> Int? in
                            if let count, value >= count { return nil }
                            if let deadline, ContinuousClock.now >= deadline { return nil }
                            value += 1
                            return value
                        }
                        return go.map { (method, path($0), auth, method == .GET ? nil : body()) }
                    }, onReply: { reply, duration in
                        failures.record(duration, ok: accepted.contains(reply.status), error: "HTTP \(reply.status): \(String(buffer: reply.body).prefix(200))")
                    }, pace: pace)
                }
            }
            try await group.waitForAll()
        }
        if let first = failures.errors.first { say("  batch errors=\(failures.errors.count) first: \(first)") }
        return issued.withLock { $0 } - failures.errors.count
    }
}

final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}

/// A lock-protected value that closures can share.
final class Locked<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ initial: Value) { value = Mutex(initial) }
    func withLock<T>(_ body: (inout Value) -> T) -> T { value.withLock { body(&$0) } }
}

/// Prints one line at once, unbuffered, so figures show as they come even through a pipe.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
