import Foundation
import HeraldCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A status-callback receiver out of process for bench/e2e.sh, the customer's endpoint: answers 200 to every POST
/// (HTTP/1.1 keep-alive), counts distinct events by id (a batched webhook's POST holds many), measures each callback's
/// delay from its event's `recorded_at` (when Herald stored the status) to its arrival here, and serves GET /stats as
/// {"events": N, "posts": N, "first": t, "last": t, "p50_ms": x, "p99_ms": y, "max_ms": z} (Unix seconds; same
/// machine, same clock). The same job as bench/receiver/count_callbacks.py at a fraction of its CPU, so the receiver
/// does not take the two cores Herald is measured on. Kannel's delivery reports (bench/kannel.sh: `GET /dlr?n=N&status=S`)
/// are counted too: each final one (status 1 delivered, 2 failed) as the event `dlr:N`, with no delay (Kannel's DLR
/// carries no time it stored it).
///
///     herald-receiver [PORT]   (default 18601)
@main
struct HeraldReceiver {
    static func main() throws {
        let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 18601
        let tally = Tally()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(ReceiverHandler(tally: tally))
                }
            }
            .bind(host: "127.0.0.1", port: port).wait()
        try channel.closeFuture.wait()
    }
}

/// What the receiver has seen so far.
final class Tally: Sendable {
    private struct State {
        var seen = Set<String>()
        var delays: [Double] = []
        var posts = 0
        var first: Double?
        var last: Double?
    }
    private let state = Mutex(State())

    /// A Kannel delivery report: `n` and `status` from the query.
    func recordKannelReport(uri: String) {
        guard let query = uri.split(separator: "?", maxSplits: 1).last else { return }
        var n: Substring?, status: Substring?
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            if parts[0] == "n" { n = parts[1] } else if parts[0] == "status" { status = parts[1] }
        }
        let now = Date().timeIntervalSince1970
        state.withLock { state in
            state.posts += 1
            guard let n, status == "1" || status == "2" else { return }
            if state.seen.insert("dlr:\(n)").inserted { state.first = state.first ?? now; state.last = now }
        }
    }

    func record(body: ByteBuffer) {
        let now = Date().timeIntervalSince1970
        var events: [[String: Any]] = []
        if let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] {
            events = (object["events"] as? [[String: Any]]) ?? [object]
        }
        let arrivals: [(String, Double?)] = events.compactMap { event in
            guard let id = event["id"] as? String else { return nil }
            let recorded = (event["recorded_at"] as? String).flatMap(Timestamp.parse)
            return (id, recorded.map { (now - $0.timeIntervalSince1970) * 1000 })
        }
        state.withLock { state in
            state.posts += 1
            for (id, delay) in arrivals where state.seen.insert(id).inserted {
                if let delay { state.delays.append(delay) }
            }
            state.first = state.first ?? now
            state.last = now
        }
    }

    func stats() -> String {
        state.withLock { state in
            let ordered = state.delays.sorted()
            func pick(_ q: Double) -> String {
                ordered.isEmpty ? "null" : String(format: "%.1f", ordered[min(ordered.count - 1, Int(q * Double(ordered.count)))])
            }
            let time = { (t: Double?) in t.map { String(format: "%.6f", $0) } ?? "null" }
            return "{\"events\": \(state.seen.count), \"posts\": \(state.posts), \"first\": \(time(state.first)), \"last\": \(time(state.last)), "
                + "\"p50_ms\": \(pick(0.5)), \"p99_ms\": \(pick(0.99)), \"max_ms\": \(ordered.last.map { String(format: "%.1f", $0) } ?? "null")}"
        }
    }
}

final class ReceiverHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let tally: Tally
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(tally: Tally) {
        self.tally = tally
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            var answer = ByteBuffer()
            if head.method == .GET, head.uri.hasPrefix("/dlr") {
                tally.recordKannelReport(uri: head.uri)
            } else if head.method == .GET {
                answer.writeString(tally.stats())
            } else {
                tally.record(body: body)
            }
            var headers = HTTPHeaders([("Content-Length", "\(answer.readableBytes)")])
            if head.method == .GET, !head.uri.hasPrefix("/dlr") { headers.add(name: "Content-Type", value: "application/json") }
            if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
            if answer.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(answer))), promise: nil) }
            let keepAlive = head.isKeepAlive, channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { channel.close(promise: nil) }
            }
            self.head = nil
        }
    }
}
