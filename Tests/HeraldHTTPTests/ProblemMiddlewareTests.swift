import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import HeraldHTTP
import HeraldStore
import Hummingbird
import Logging
import ServiceLifecycle
import Testing

@Suite("Errors that are not problems yet")
struct ProblemMiddlewareTests {
    @Test("a database that cannot be reached is a 503 database-unavailable with Retry-After; any other store error a 500 with words")
    func databaseUnavailable() async throws {
        let router = Router(context: HeraldRequestContext.self)
        router.add(middleware: ProblemMiddleware(routes: [(.get, "/down"), (.get, "/broken")], logger: Logger(label: "test.problems")))
        router.get("/down") { _, _ -> Response in throw StoreError.unavailable("connection reset by peer") }
        router.get("/broken") { _, _ -> Response in throw StoreError.database("column x does not exist") }
        let (started, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: Logger(label: "test.http"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            let services = ServiceGroup(services: [app], logger: Logger(label: "test"))
            group.addTask {
                defer { continuation.finish() }  // a server that cannot start ends the wait for its port
                try await services.run()
            }
            var ports = started.makeAsyncIterator()
            let port = try #require(await ports.next())
            let (body, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/down")!)
            let http = try #require(response as? HTTPURLResponse)
            #expect(http.statusCode == 503)
            #expect(http.value(forHTTPHeaderField: "Retry-After") == "1")
            #expect(http.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("application/problem+json") == true)
            let problem = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            #expect((problem["type"] as? String)?.hasSuffix("database-unavailable") == true)
            #expect((problem["fix"] as? String)?.contains("Idempotency-Key") == true)
            let (_, other) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/broken")!)
            #expect((other as? HTTPURLResponse)?.statusCode == 500)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
