import AsyncHTTPClient
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Posts a fake provider's webhooks, now or after a delay, with two more tries when one fails (as providers do).
final class CallbackPoster: Sendable {
    struct Callback: Sendable {
        var url: String
        var headers: [(String, String)]
        var contentType: String
        var body: String
    }

    private let client: HTTPClient
    private let logger: Logger
    private let scheduled: AsyncStream<(ContinuousClock.Instant, Callback)>
    private let schedule: AsyncStream<(ContinuousClock.Instant, Callback)>.Continuation

    init(logger: Logger) {
        self.logger = logger
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                            configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(15))))
        (scheduled, schedule) = AsyncStream.makeStream()
    }

    /// Serves a fake's routes on HOST:PORT and sends its callbacks until graceful shutdown.
    func serve(_ router: Router<BasicRequestContext>, host: String, port: Int, name: String, logger: Logger,
               onListening: @escaping @Sendable (Int) -> Void) async throws {
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: name),
                              onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) }, logger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.run() }
            defer { finish() }  // also when the server cannot start
            try await app.run()
        }
    }

    func post(_ callback: Callback, afterMilliseconds delay: Int) {
        schedule.yield((ContinuousClock.now + .milliseconds(delay), callback))
    }

    /// Sends what is scheduled until graceful shutdown, then closes the client.
    func run() async throws {
        await withDiscardingTaskGroup { sends in
            for await (due, callback) in scheduled.cancelOnGracefulShutdown() {
                sends.addTask {
                    try? await Task.sleep(until: due, clock: .continuous)
                    await self.post(callback)
                }
            }
        }
        try await client.shutdown()
    }

    func finish() { schedule.finish() }

    /// A GET (a provider's verification request); the status and the body.
    func get(_ url: String) async -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        do {
            let response = try await client.execute(request, timeout: .seconds(15))
            let body = try await response.body.collect(upTo: 1 << 16)
            return (Int(response.status.code), String(buffer: body))
        } catch {
            return (0, "\(error)")
        }
    }

    /// Posts now; returns the last HTTP status (0: no answer).
    @discardableResult
    func post(_ callback: Callback) async -> Int {
        var request = HTTPClientRequest(url: callback.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: callback.contentType)
        for (name, value) in callback.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: callback.body))
        var status = 0
        for attempt in 1...3 {
            do {
                let response = try await client.execute(request, timeout: .seconds(15))
                _ = try? await response.body.collect(upTo: 1 << 20)
                status = Int(response.status.code)
                if (200..<300).contains(status) { return status }
            } catch {
                logger.warning("callback failed", metadata: ["url": "\(callback.url)", "error": "\(error)", "attempt": "\(attempt)"])
            }
            try? await Task.sleep(for: .milliseconds(200 * attempt))
        }
        return status
    }
}
