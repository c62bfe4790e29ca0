import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The HTTP/1.1 client that carries status callbacks: keep-alive connections pooled per endpoint, TLS for https, a
/// deadline per request, no redirects, the response body dropped as it arrives.
///
/// It connects to the addresses the sender already checked against the ``AddressPolicy`` (`Endpoint.addresses`, tried
/// in order until one accepts) rather than resolving the name again, so a name cannot pass the check with one address
/// and be called on another. Every
/// request is run with futures on the connection's event loop: no task, no executor hop per callback.
///
/// The pool does not cap connections itself: the sender never runs more than `perEndpoint` requests to one endpoint,
/// and each request holds its connection exclusively, so an endpoint never has more connections than that.
final class CallbackClient: Sendable {
    struct Configuration: Sendable {
        var connectTimeout: TimeAmount = .seconds(2)
        var idleTimeout: TimeAmount = .seconds(60)
        /// The system's trust roots plus these PEM files (an operator's private CA).
        var additionalTrustRootFiles: [String] = []
    }

    /// Where a request goes: the checked addresses to connect to (in the resolver's order; the next is tried when one
    /// refuses or times out), the name for TLS and `Host`, and the port.
    struct Endpoint: Sendable, Hashable {
        var tls: Bool
        var host: String
        var addresses: [String]
        var port: Int
    }

    /// A TCP connect that failed: the next address may be tried (a TLS failure is not, it would fail there too).
    private struct TCPConnectFailure: Error {
        var error: CallbackClientError
    }

    private struct State {
        var idle: [Endpoint: [any Channel]] = [:]
        var shutDown = false
    }

    private let group: any EventLoopGroup
    private let configuration: Configuration
    private let tlsContext: Result<NIOSSLContext, CallbackClientError>
    private let state = Mutex(State())

    init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, configuration: Configuration = .init()) {
        self.group = group
        self.configuration = configuration
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.additionalTrustRoots = configuration.additionalTrustRootFiles.map { .file($0) }
        do {
            tlsContext = .success(try NIOSSLContext(configuration: tls))
        } catch {
            tlsContext = .failure(.connectFailed(to: "https endpoints", "TLS is not available: \(error)"))
        }
    }

    /// POSTs the request and returns the response status. Fails with ``CallbackClientError``; a kept-alive
    /// connection the receiver had closed is replaced by a new one once, within the same deadline.
    func execute(_ request: CallbackRequest, on endpoint: Endpoint, timeout: TimeAmount) -> EventLoopFuture<HTTPResponseStatus> {
        let deadline = NIODeadline.now() + timeout
        if let channel = takeIdle(endpoint) {
            return run(request, on: channel, endpoint: endpoint, deadline: deadline, timeout: timeout).flatMapError { error in
                guard (error as? CallbackClientError)?.isClosedBeforeResponse == true, NIODeadline.now() < deadline else {
                    return channel.eventLoop.makeFailedFuture(error)
                }
                return self.connectAndRun(request, on: endpoint, eventLoop: channel.eventLoop, deadline: deadline, timeout: timeout)
            }
        }
        return connectAndRun(request, on: endpoint, eventLoop: group.any(), deadline: deadline, timeout: timeout)
    }

    /// Closes the idle connections; connections still carrying a request close when it ends.
    func shutdown() async {
        let channels = state.withLock { state -> [any Channel] in
            state.shutDown = true
            defer { state.idle.removeAll() }
            return state.idle.values.flatMap { $0 }
        }
        for channel in channels { try? await channel.close() }
    }

    private func connectAndRun(_ request: CallbackRequest, on endpoint: Endpoint, eventLoop: any EventLoop, deadline: NIODeadline,
                               timeout: TimeAmount) -> EventLoopFuture<HTTPResponseStatus> {
        connect(endpoint, eventLoop: eventLoop, deadline: deadline).flatMap { channel in
            self.run(request, on: channel, endpoint: endpoint, deadline: deadline, timeout: timeout)
        }
    }

    private func run(_ request: CallbackRequest, on channel: any Channel, endpoint: Endpoint, deadline: NIODeadline,
                     timeout: TimeAmount) -> EventLoopFuture<HTTPResponseStatus> {
        let promise = channel.eventLoop.makePromise(of: CallbackResponse.self)
        let written = channel.eventLoop.makePromise(of: Void.self)
        // Fails only if the channel closed before the handler took the task; then no one else completes the promise.
        written.futureResult.whenFailure { _ in promise.fail(CallbackClientError.closedBeforeResponse()) }
        channel.writeAndFlush(CallbackTask(request: request, deadline: deadline, timeout: timeout, promise: promise), promise: written)
        return promise.futureResult.map { response in
            if response.reusable { self.release(channel, endpoint: endpoint) }
            return response.status
        }
    }

    private func takeIdle(_ endpoint: Endpoint) -> (any Channel)? {
        state.withLock { state in
            // Popped in place: a copy of the array would copy every idle connection's reference per request.
            while let channel = state.idle[endpoint]?.popLast() {
                if channel.isActive { return channel }
            }
            return nil
        }
    }

    private func release(_ channel: any Channel, endpoint: Endpoint) {
        let keep = state.withLock { state in
            guard !state.shutDown, channel.isActive else { return false }
            state.idle[endpoint, default: []].append(channel)
            return true
        }
        if !keep { channel.close(promise: nil) }
    }

    private func connect(_ endpoint: Endpoint, eventLoop: any EventLoop, deadline: NIODeadline, index: Int = 0) -> EventLoopFuture<any Channel> {
        guard endpoint.addresses.indices.contains(index) else {
            return eventLoop.makeFailedFuture(CallbackClientError.connectFailed(to: endpoint.host, "no address to connect to"))
        }
        return connect(endpoint, address: endpoint.addresses[index], eventLoop: eventLoop, deadline: deadline).flatMapError { error in
            guard let failure = error as? TCPConnectFailure else { return eventLoop.makeFailedFuture(error) }
            guard index + 1 < endpoint.addresses.count, NIODeadline.now() < deadline else { return eventLoop.makeFailedFuture(failure.error) }
            return self.connect(endpoint, eventLoop: eventLoop, deadline: deadline, index: index + 1)
        }
    }

    private func connect(_ endpoint: Endpoint, address text: String, eventLoop: any EventLoop, deadline: NIODeadline) -> EventLoopFuture<any Channel> {
        let name = CallbackURL.authority(text, port: endpoint.port)
        guard !state.withLock({ $0.shutDown }) else { return eventLoop.makeFailedFuture(CallbackClientError.shutDown) }
        let address: SocketAddress
        do { address = try SocketAddress(ipAddress: text, port: endpoint.port) } catch {
            return eventLoop.makeFailedFuture(TCPConnectFailure(error: .connectFailed(to: name, "not an IP address")))
        }
        let tlsContext: NIOSSLContext?
        switch (endpoint.tls, self.tlsContext) {
        case (false, _): tlsContext = nil
        case (true, .success(let context)): tlsContext = context
        case (true, .failure(let error)): return eventLoop.makeFailedFuture(error)
        }
        let serverName: String? = endpoint.tls && !AddressPolicy.isLiteral(endpoint.host) ? endpoint.host : nil
        let remaining = deadline - .now()
        // Handed out only when ready (for https: after the handshake), so a refused certificate fails the connect with
        // its reason instead of racing the first request.
        let ready = eventLoop.makePromise(of: Void.self)
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(min(configuration.connectTimeout, max(remaining, .milliseconds(1))))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [idleTimeout = configuration.idleTimeout] channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tlsContext { try pipeline.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverName)) }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(CallbackConnectionHandler(idleTimeout: idleTimeout, ready: ready,
                                                                      waitsForHandshake: tlsContext != nil, endpointName: name,
                                                                      readyDeadline: deadline))
                }
            }
            .connect(to: address)
            .flatMapErrorThrowing { error -> any Channel in
                ready.fail(error)
                if case ChannelError.connectTimeout = error { throw TCPConnectFailure(error: .connectTimeout(to: name)) }
                throw TCPConnectFailure(error: .connectFailed(to: name, Self.reason(error)))
            }
            .flatMap { channel in ready.futureResult.map { channel } }
    }

    /// A connect error in words: "connection refused" rather than the errno's struct dump.
    private static func reason(_ error: any Error) -> String {
        if let error = error as? IOError { return error.description }
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first { return reason(first.error) }
        return String(describing: error)
    }
}
