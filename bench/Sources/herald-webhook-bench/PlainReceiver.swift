import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The cheapest honest callback receiver: SwiftNIO's HTTP/1.1 server pipeline (request parsing, keep-alive) and a
/// handler that counts each complete request and answers 204. It shares the 2 cores with the sender, so the less it
/// costs, the closer the figure is to what the sender alone can do; `hummingbird` (a router and an async handler per
/// request, like a typical application endpoint) is the other receiver the bench offers.
final class PlainReceiver: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    var port: Int { channel.localAddress?.port ?? 0 }

    init(threads: Int = 1) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        self.group = group
        let counter = Counter()
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        self.counter = counter
    }

    private let counter: Counter

    var count: Int { counter.value.load(ordering: .relaxed) }

    func shutdown() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let counter: Counter

        init(counter: Counter) {
            self.counter = counter
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            counter.value.add(1, ordering: .relaxed)
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .noContent))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
