@testable import HeraldWebhooks
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@Suite("Callback connection pipeline (EmbeddedChannel)")
struct CallbackConnectionHandlerTests {
    private func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHTTPClientHandlers()
        try channel.pipeline.syncOperations.addHandler(CallbackConnectionHandler(idleTimeout: .seconds(60)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
        return channel
    }

    private func task(on channel: EmbeddedChannel, url: String = "http://hooks.example.com:8080/in?x=1", deadline: NIODeadline = .now() + .seconds(5))
        -> (CallbackTask, EventLoopFuture<CallbackResponse>) {
        let promise = channel.eventLoop.makePromise(of: CallbackResponse.self)
        let request = CallbackRequest(url: CallbackURL(url)!, headers: [("Content-Type", "application/json"), ("Herald-Event-Id", "evt_1")],
                                      body: ByteBuffer(string: #"{"a":1}"#))
        return (CallbackTask(request: request, deadline: deadline, timeout: .seconds(5), promise: promise), promise.futureResult)
    }

    private func written(_ channel: EmbeddedChannel) throws -> String {
        var bytes = ByteBuffer()
        while var part = try channel.readOutbound(as: ByteBuffer.self) { bytes.writeBuffer(&part) }
        return String(buffer: bytes)
    }

    @Test("the request goes out as one HTTP/1.1 POST with Host, the headers, Content-Length and the body")
    func bytesOnTheWire() throws {
        let channel = try channel()
        let (task, _) = task(on: channel)
        try channel.writeOutbound(task)
        #expect(try written(channel) == "POST /in?x=1 HTTP/1.1\r\nHost: hooks.example.com:8080\r\nContent-Type: application/json\r\n"
            + "Herald-Event-Id: evt_1\r\nContent-Length: 7\r\n\r\n{\"a\":1}")
        _ = try? channel.finish()
    }

    @Test("a chunked 2xx body is read and dropped; the status completes the request and the connection stays open for the next")
    func chunkedResponse() throws {
        let channel = try channel()
        let (first, response) = task(on: channel)
        try channel.writeOutbound(first)
        _ = try written(channel)
        try channel.writeInbound(ByteBuffer(string: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
        let result = try response.wait()
        #expect(result.status == .ok)
        #expect(result.reusable)
        #expect(channel.isActive)
        let (second, next) = task(on: channel)
        try channel.writeOutbound(second)
        #expect(try written(channel).hasPrefix("POST /in?x=1 HTTP/1.1\r\n"))
        try channel.writeInbound(ByteBuffer(string: "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 3\r\n\r\nno!"))
        #expect(try next.wait().status == .internalServerError)
        _ = try? channel.finish()
    }

    @Test("no response by the deadline fails the request with the timeout and closes the connection")
    func timeout() throws {
        let channel = try channel()
        let deadline = NIODeadline.now() + .seconds(5)
        let (task, response) = task(on: channel, deadline: deadline)
        try channel.writeOutbound(task)
        channel.embeddedEventLoop.advanceTime(to: deadline)
        #expect(throws: CallbackClientError.timedOut(after: .seconds(5))) { try response.wait() }
        #expect(!channel.isActive)
    }

    @Test("a receiver that closes before answering fails the request as retryable")
    func closedEarly() throws {
        let channel = try channel()
        let (task, response) = task(on: channel)
        try channel.writeOutbound(task)
        channel.pipeline.fireChannelInactive()
        #expect(throws: CallbackClientError.closedBeforeResponse()) { try response.wait() }
    }

    @Test("URLs: default ports, IPv6 literals, queries, and anything but http(s) refused")
    func urls() throws {
        let plain = try #require(CallbackURL("http://example.com/hook"))
        #expect(!plain.tls && plain.port == 80 && plain.target == "/hook" && plain.hostHeader == "example.com")
        let secure = try #require(CallbackURL("https://example.com"))
        #expect(secure.tls && secure.port == 443 && secure.target == "/" && secure.hostHeader == "example.com")
        let v6 = try #require(CallbackURL("http://[::1]:9000/a%20b?q=1&r=2"))
        #expect(v6.host == "::1" && v6.port == 9000 && v6.target == "/a%20b?q=1&r=2" && v6.hostHeader == "[::1]:9000")
        #expect(CallbackURL("ftp://example.com/") == nil)
        #expect(CallbackURL("/relative") == nil)
        #expect(CallbackURL("http://example.com:0/") == nil)
    }
}
