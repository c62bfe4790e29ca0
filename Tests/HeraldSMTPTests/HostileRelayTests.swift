import Foundation
import HeraldCore
import NIOCore
import NIOPosix
import Testing

/// A relay that misbehaves on purpose: writes `payload` when a client connects, then never reads or answers.
final class HostileRelay: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let payload: [UInt8]
    init(payload: [UInt8]) { self.payload = payload }

    func channelActive(context: ChannelHandlerContext) {
        if !payload.isEmpty { context.writeAndFlush(NIOAny(context.channel.allocator.buffer(bytes: payload)), promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    static func start(payload: [UInt8]) async throws -> any NIOCore.Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(HostileRelay(payload: payload)) } }
            .bind(host: "127.0.0.1", port: 0).get()
    }
}

@Suite("A hostile relay", .serialized)
struct HostileRelayTests {
    @Test("garbage for a greeting, a 10 MB line, or silence: DEFERRED with next_attempt_at and the problem named; nothing lost or stuck",
          arguments: [("garbage", Array("HELLO THERE, I AM NOT SMTP\r\n".utf8), "malformed SMTP reply"),
                      ("10 MB line", Array("220 ".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 10 << 20), "line longer than"),
                      ("silence", [], "no reply in time to the greeting")])
    func hostile(name: String, payload: [UInt8], named: String) async throws {
        let relay = try await HostileRelay.start(payload: payload)
        defer { relay.close(promise: nil) }
        let port = try #require(relay.localAddress?.port)
        try await SMTPConnectorTests.run(relayPort: port) { harness in
            let id = try await harness.send(to: "ann@example.com")
            // The harness retries at once (50 ms back-off, 3 attempts): the first attempt's event is the evidence.
            let record = try await harness.settle(id) { $0.status == .deferred || $0.status.isFinal }
            #expect(record.status == .deferred || record.status == .failed, "\(name)")
            #expect(record.reason == .networkError, "\(name)")
            let events = try await harness.store.events(messageID: id)
            let deferred = try #require(events.first { $0.kind == .status(.deferred) }, "\(name)")
            #expect(deferred.reason == .networkError, "\(name)")
            #expect(deferred.nextAttemptAt != nil, "\(name)")
            #expect(deferred.detail?.text?.contains(named) == true, "\(name): \(events.compactMap(\.detail?.text))")
        }
    }
}
