import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection: the load generator's client, on SwiftNIO so it costs little CPU.
struct HTTPConnection: Sendable {
    typealias Channel = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    struct Reply: Sendable {
        var status: Int
        var body: ByteBuffer
    }

    static func open(host: String, port: Int) async throws -> Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try Channel(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Sends requests produced by `next` one after another on one connection until it returns nil.
    static func run(
        host: String, port: Int,
        next: @Sendable () -> (method: HTTPMethod, path: String, headers: [(String, String)], body: ByteBuffer?)?,
        onReply: @Sendable (Reply, Duration) -> Void,
        pace: @Sendable () async -> Void = {}
    ) async throws {
        let channel = try await open(host: host, port: port)
        try await channel.executeThenClose { inbound, outbound in
            var responses = inbound.makeAsyncIterator()
            let clock = ContinuousClock()
            while true {
                await pace()
                guard let request = next() else { break }
                var head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.path)
                head.headers.add(name: "Host", value: "\(host):\(port)")
                for (name, value) in request.headers { head.headers.add(name: name, value: value) }
                if let body = request.body {
                    if !head.headers.contains(name: "Content-Type") { head.headers.add(name: "Content-Type", value: "application/json") }
                    head.headers.add(name: "Content-Length", value: String(body.readableBytes))
                }
                let start = clock.now
                try await outbound.write(.head(head))
                if let body = request.body { try await outbound.write(.body(.byteBuffer(body))) }
                try await outbound.write(.end(nil))
                var status = 0
                var collected = ByteBuffer()
                reading: while let part = try await responses.next() {
                    switch part {
                    case .head(let responseHead): status = Int(responseHead.status.code)
                    case .body(var chunk): collected.writeBuffer(&chunk)
                    case .end: break reading
                    }
                }
                onReply(Reply(status: status, body: collected), clock.now - start)
            }
        }
    }
}
