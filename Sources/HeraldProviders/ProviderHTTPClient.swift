import AsyncHTTPClient
import ServiceLifecycle

/// The HTTP client every provider connector sends through (one connection pool per provider host), closed at shutdown.
public final class ProviderHTTPClient: Service {
    public let client: HTTPClient

    /// `connectionsPerHost`: requests in flight to one provider host at once.
    public init(connectionsPerHost: Int = 64) {
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .seconds(30)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, connectionsPerHost))
        ))
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
