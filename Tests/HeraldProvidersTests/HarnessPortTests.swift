import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("The provider harness's ports")
struct HarnessPortTests {
    /// ``ProviderHarness`` picks both servers' ports before either starts and starts them again on new ports when one was
    /// taken in between: it recognises that case by this error.
    @Test("a server whose port is taken stops its group with EADDRINUSE")
    func portTaken() async throws {
        let taken = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(taken.localAddress?.port)
        let app = Application(router: Router(), configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: Logger(label: "test.http"))
        let group = ServiceGroup(services: [app], logger: Logger(label: "test"))
        await #expect {
            try await group.run()
        } throws: { error in
            (error as? IOError)?.errnoCode == EADDRINUSE
        }
        try await taken.close()
    }
}
