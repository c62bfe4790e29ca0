@testable import HeraldWebhooks
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import Testing

/// A receiver on 127.0.0.1 (plain or TLS with the fixture certificate for localhost/127.0.0.1) whose paths behave
/// differently: `/ok` 204 keep-alive, `/close` 200 with `Connection: close`, `/redirect` 302 elsewhere, `/big` a 1 MiB
/// chunked 200, `/drop` answers 204 and then closes the connection without saying so (a stale keep-alive).
final class TestReceiver: Sendable {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    let connections = Atomic<Int>(0)
    let requests = Mutex<[String]>([])
    private let channel: any Channel

    var port: Int { channel.localAddress?.port ?? 0 }

    init(tls: Bool) async throws {
        let tlsContext: NIOSSLContext? = tls ? try NIOSSLContext(configuration: .makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(Self.fixtures.appendingPathComponent("server.pem").path).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: Self.fixtures.appendingPathComponent("server-key.pem").path, format: .pem)))) : nil
        let receiver = Box()
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                receiver.value?.connections.add(1, ordering: .relaxed)
                return channel.eventLoop.makeCompletedFuture {
                    if let tlsContext { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tlsContext)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(receiver: receiver))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        receiver.value = self
    }

    func close() async throws { try await channel.close() }

    private final class Box: @unchecked Sendable {
        // Set once, right after bind and before any client connects (the tests connect only after init returns).
        var value: TestReceiver?
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let receiver: Box
        var path = ""
        init(receiver: Box) { self.receiver = receiver }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                path = head.uri
                receiver.value?.requests.withLock { $0.append(head.uri) }
            case .body: break
            case .end: respond(context: context)
            }
        }

        private func respond(context: ChannelHandlerContext) {
            func send(_ status: HTTPResponseStatus, _ headers: [(String, String)] = [], body: ByteBuffer? = nil, thenClose: Bool = false) {
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: HTTPHeaders(headers)))), promise: nil)
                if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in if thenClose { channel.close(promise: nil) } }
            }
            switch path {
            case "/close": send(.ok, [("Connection", "close"), ("Content-Length", "0")])
            case "/redirect": send(.found, [("Location", "http://127.0.0.1:1/elsewhere"), ("Content-Length", "0")])
            case "/big": send(.ok, [("Transfer-Encoding", "chunked")], body: ByteBuffer(repeating: UInt8(ascii: "x"), count: 1 << 20))
            case "/drop": send(.noContent, thenClose: true)
            default: send(.noContent)
            }
        }
    }
}

@Suite("Callback client over loopback")
struct CallbackClientTests {
    private func post(_ client: CallbackClient, _ url: String, addresses: [String] = ["127.0.0.1"],
                      timeout: TimeAmount = .seconds(5)) async throws -> HTTPResponseStatus {
        let target = try #require(CallbackURL(url))
        let request = CallbackRequest(url: target, headers: [("Content-Type", "application/json")], body: ByteBuffer(string: "{}"))
        return try await client.execute(request, on: .init(tls: target.tls, host: target.host, addresses: addresses, port: target.port),
                                        timeout: timeout).get()
    }

    @Test("keep-alive: consecutive callbacks to one endpoint share one connection")
    func reuse() async throws {
        let receiver = try await TestReceiver(tls: false)
        let client = CallbackClient()
        for _ in 0..<5 { #expect(try await post(client, "http://127.0.0.1:\(receiver.port)/ok") == .noContent) }
        #expect(receiver.connections.load(ordering: .relaxed) == 1)
        await client.shutdown()
        try await receiver.close()
    }

    @Test("Connection: close, and a receiver that silently drops kept-alive connections: every callback still succeeds")
    func closes() async throws {
        let receiver = try await TestReceiver(tls: false)
        let client = CallbackClient()
        for _ in 0..<3 { #expect(try await post(client, "http://127.0.0.1:\(receiver.port)/close") == .ok) }
        #expect(receiver.connections.load(ordering: .relaxed) == 3)
        // Back to back: the receiver's close races the next request; a request that lands on the closing connection
        // is sent again on a new one, so none fails and each arrives once.
        for _ in 0..<20 { #expect(try await post(client, "http://127.0.0.1:\(receiver.port)/drop") == .noContent) }
        #expect(receiver.requests.withLock { $0.filter { $0 == "/drop" }.count } == 20)
        await client.shutdown()
        try await receiver.close()
    }

    @Test("a redirect is reported as its status and not followed; a 1 MiB body is drained and dropped")
    func redirectAndBigBody() async throws {
        let receiver = try await TestReceiver(tls: false)
        let client = CallbackClient()
        #expect(try await post(client, "http://127.0.0.1:\(receiver.port)/redirect") == .found)
        #expect(try await post(client, "http://127.0.0.1:\(receiver.port)/big") == .ok)
        #expect(try await post(client, "http://127.0.0.1:\(receiver.port)/ok") == .noContent)
        #expect(receiver.requests.withLock { $0 } == ["/redirect", "/big", "/ok"])
        await client.shutdown()
        try await receiver.close()
    }

    @Test("https: verified against the operator's CA by host name, connecting to the checked address; refused without that CA")
    func tls() async throws {
        let receiver = try await TestReceiver(tls: true)
        let trusted = CallbackClient(configuration: .init(additionalTrustRootFiles: [TestReceiver.fixtures.appendingPathComponent("ca.pem").path]))
        #expect(try await post(trusted, "https://localhost:\(receiver.port)/ok") == .noContent)
        #expect(try await post(trusted, "https://localhost:\(receiver.port)/ok") == .noContent)
        #expect(receiver.connections.load(ordering: .relaxed) == 1)
        let untrusted = CallbackClient()
        do {
            _ = try await post(untrusted, "https://localhost:\(receiver.port)/ok")
            Issue.record("a certificate from an unknown CA must be refused")
        } catch let error as CallbackClientError {
            #expect(error.description.lowercased().contains("certificate"), "\(error)")
        }
        #expect(receiver.requests.withLock { $0.count } == 2)
        await trusted.shutdown()
        await untrusted.shutdown()
        try await receiver.close()
    }

    @Test("an https receiver that accepts TCP and never answers the handshake fails by the request's deadline")
    func silentTLS() async throws {
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }  // reads nothing, answers nothing
            .bind(host: "127.0.0.1", port: 0).get()
        let client = CallbackClient()
        let started = ContinuousClock.now
        do {
            _ = try await post(client, "https://localhost:\(silent.localAddress?.port ?? 0)/ok", timeout: .milliseconds(500))
            Issue.record("a silent receiver cannot answer")
        } catch {
            #expect("\(error)".contains("TLS handshake"), "\(error)")
        }
        #expect(ContinuousClock.now - started < .seconds(10), "ended by the deadline, not left hanging")
        await client.shutdown()
        try await silent.close()
    }

    @Test("a host with several addresses: one that refuses is skipped for the next")
    func fallback() async throws {
        let receiver = try await TestReceiver(tls: false)  // listens on 127.0.0.1 only, so 127.0.0.2 refuses
        let client = CallbackClient()
        #expect(try await post(client, "http://hooks.test:\(receiver.port)/ok", addresses: ["127.0.0.2", "127.0.0.1"]) == .noContent)
        #expect(receiver.requests.withLock { $0 } == ["/ok"])
        await client.shutdown()
        try await receiver.close()
    }

    @Test("a closed port fails with the address in the error")
    func refused() async throws {
        let receiver = try await TestReceiver(tls: false)
        let port = receiver.port
        try await receiver.close()
        let client = CallbackClient()
        await #expect(throws: CallbackClientError.self) { try await post(client, "http://127.0.0.1:\(port)/ok") }
        do { _ = try await post(client, "http://127.0.0.1:\(port)/ok") } catch {
            #expect("\(error)".contains("could not connect to 127.0.0.1:\(port)"), "\(error)")
        }
        await client.shutdown()
    }
}
