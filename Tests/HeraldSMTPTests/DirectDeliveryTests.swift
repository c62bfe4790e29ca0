import Foundation
import HeraldCore
@testable import HeraldSMTP
import Testing

/// A DNS server nobody here wrote (dnslib, PyPI) on loopback, answering MX queries for a few test domains.
final class TestDNSServer: Sendable {
    let process: Process
    let port: Int

    static let script = """
        import sys, time
        from dnslib import RR, QTYPE, RCODE, MX
        from dnslib.server import DNSServer, BaseResolver
        class Resolver(BaseResolver):
            def resolve(self, request, handler):
                reply = request.reply()
                q = request.q
                name = str(q.qname).rstrip('.').lower()
                if name == 'example.test':
                    if q.qtype == QTYPE.MX:
                        reply.add_answer(RR(q.qname, QTYPE.MX, rdata=MX('mx2.example.test', 20), ttl=60))
                        reply.add_answer(RR(q.qname, QTYPE.MX, rdata=MX('mx1.example.test', 10), ttl=60))
                elif name == 'nullmx.test':
                    if q.qtype == QTYPE.MX:
                        reply.add_answer(RR(q.qname, QTYPE.MX, rdata=MX('.', 0), ttl=60))
                elif name == 'nomx.test':
                    pass
                elif name == 'servfail.test':
                    reply.header.rcode = RCODE.SERVFAIL
                else:
                    reply.header.rcode = RCODE.NXDOMAIN
                return reply
        server = DNSServer(Resolver(), port=0, address='127.0.0.1')
        server.start_thread()
        print(server.server.server_address[1], flush=True)
        while True:
            time.sleep(1)
        """

    /// nil when dnslib is not installed (scripts/install-deps.sh installs it; under CI its absence is a failure).
    static func start() throws -> TestDNSServer? {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import dnslib"]
        check.standardError = FileHandle.nullDevice
        try check.run()
        check.waitUntilExit()
        guard check.terminationStatus == 0 else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("dnslib is not installed: scripts/install-deps.sh installs it") }
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("the DNS server did not start")
            return nil
        }
        return TestDNSServer(process: process, port: port)
    }

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    func stop() {
        // SIGKILL: a child of the test process may inherit a mask that blocks SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

@Suite("Direct delivery: MX lookups and the recipient's own mail server", .serialized)
struct DirectDeliveryTests {
    @Test("MX lookups through libresolv against a real DNS server: by preference, null MX, no MX (the domain itself), SERVFAIL, NXDOMAIN")
    func lookups() async throws {
        guard let dns = try TestDNSServer.start() else { return }
        defer { dns.stop() }
        let resolver = MXResolver(port: 25, nameserver: ("127.0.0.1", dns.port))
        #expect(await resolver.resolve("Example.TEST") == .hosts([.init(name: "mx1.example.test", port: 25, preference: 10),
                                                                  .init(name: "mx2.example.test", port: 25, preference: 20)]))
        #expect(await resolver.resolve("nullmx.test") == .nullMX)
        #expect(await resolver.resolve("nomx.test") == .hosts([.init(name: "nomx.test", port: 25)]))
        guard case .temporaryFailure = await resolver.resolve("servfail.test") else { Issue.record("SERVFAIL is not temporary"); return }
        #expect(await resolver.resolve("nothing.test") == .noSuchDomain)
        // The static map wins over DNS.
        let mapped = MXResolver(staticMX: ["nothing.test": [.init(name: "127.0.0.1", port: 2525)]], nameserver: ("127.0.0.1", dns.port))
        #expect(await mapped.resolve("nothing.test") == .hosts([.init(name: "127.0.0.1", port: 2525)]))
    }
}

extension SMTPConnectorTests {
    @Test("direct: the MX's 250 is DELIVERED; a dead first MX passes to the next; its 5.1.1 is UNDELIVERED; a domain that does not exist is UNDELIVERED (5.1.2)")
    func direct() async throws {
        let dns = try TestDNSServer.start()
        defer { dns?.stop() }
        try await Self.run(configure: { configuration in
            let sink = MXResolver.Host(name: "127.0.0.1", port: configuration.port)
            configuration.mode = .direct
            configuration.staticMX = ["example.com": [sink], "two.test": [.init(name: "127.0.0.1", port: 1), .init(name: "127.0.0.1", port: configuration.port, preference: 1)]]
            if let dns { configuration.nameserver = ("127.0.0.1", dns.port) }
        }) { harness in
            let delivered = try await harness.send(to: "ann@example.com")
            let record = try await harness.settle(delivered) { $0.status.isFinal }
            #expect(record.status == .delivered)
            #expect(record.providerStatus == "250")
            let second = try await harness.send(to: "bob@two.test")
            #expect(try await harness.settle(second) { $0.status.isFinal }.status == .delivered)
            let unknown = try await harness.send(to: "unknown@example.com")
            let refused = try await harness.settle(unknown) { $0.status.isFinal }
            #expect(refused.status == .undelivered)
            #expect(refused.reason == .mailboxUnknown)
            guard dns != nil else { return }
            let nowhere = try await harness.send(to: "ann@nothing.test")
            let missing = try await harness.settle(nowhere) { $0.status.isFinal }
            #expect(missing.status == .undelivered)
            #expect(missing.providerError == "5.1.2")
            #expect(try await harness.store.suppressions(accountID: harness.account.id, recipient: "ann@nothing.test", limit: 5).count == 1)
        }
    }
}

extension SMTPConnectorTests {
    @Test("direct with opportunistic TLS: an MX offering STARTTLS with a certificate nobody trusts gets the message encrypted; one without gets it in clear")
    func opportunisticTLS() async throws {
        try await Self.run(sinkTLS: true, configure: { configuration in
            configuration.mode = .direct
            configuration.tls = .opportunistic
            configuration.staticMX = ["example.com": [MXResolver.Host(name: "127.0.0.1", port: configuration.port)]]
        }) { harness in
            let id = try await harness.send(to: "ann@example.com")
            let record = try await harness.settle(id) { $0.status.isFinal }
            #expect(record.status == .delivered, "\(record.status) \(record.providerError ?? "") \(record.providerStatus ?? "")")
            let taken = try #require(harness.sink.messages.first { $0.data.contains("X-Herald-Message-Id: \(id)") })
            #expect(taken.secure, "STARTTLS was used")
        }
        // The same MX with strict verification (tls: starttls, the system's trust): the certificate is refused, nothing sent in clear.
        try await Self.run(sinkTLS: true, configure: { configuration in
            configuration.mode = .direct
            configuration.tls = .starttls
            configuration.staticMX = ["example.com": [MXResolver.Host(name: "127.0.0.1", port: configuration.port)]]
        }) { harness in
            let id = try await harness.send(to: "ann@example.com")
            let record = try await harness.settle(id) { $0.status == .deferred || $0.status.isFinal }
            // Passed over like an MX that does not answer: DEFERRED, or FAILED once this harness's three attempts are spent.
            #expect(record.status == .deferred || record.status == .failed, "\(record.status)")
            #expect(record.providerError == "4.4.1", "\(record.providerError ?? "-")")
            #expect(harness.sink.messages.isEmpty)
        }
        // An MX without STARTTLS: opportunistic goes on in clear.
        try await Self.run(configure: { configuration in
            configuration.mode = .direct
            configuration.tls = .opportunistic
            configuration.staticMX = ["example.com": [MXResolver.Host(name: "127.0.0.1", port: configuration.port)]]
        }) { harness in
            let id = try await harness.send(to: "ann@example.com")
            #expect(try await harness.settle(id) { $0.status.isFinal }.status == .delivered)
            #expect(harness.sink.messages.first?.secure == false)
        }
    }
}

@Suite("Per-domain pacing")
struct DomainPacingTests {
    @Test("each domain gets slots 1/rate apart; domains do not wait for each other; a quiet domain starts at once")
    func slots() {
        var pacing = DomainPacing(rate: 4)
        #expect(pacing.delay(for: "gmail.com", now: 100) == 0)
        #expect(pacing.delay(for: "gmail.com", now: 100) == 0.25)
        #expect(abs(pacing.delay(for: "gmail.com", now: 100.1) - 0.4) < 1e-9)
        #expect(pacing.delay(for: "yahoo.com", now: 100.1) == 0)
        #expect(pacing.delay(for: "gmail.com", now: 200) == 0)
    }
}

@Suite("Relay health")
struct RelayHealthTests {
    @Test("a failure every message would meet takes the relay down for 1 s, doubling to 60 s; the first success ends it")
    func backOff() {
        var health = RelayHealth()
        let start = Date(timeIntervalSince1970: 1_000)
        #expect(health.isUp(at: start))
        health.failed(at: start, error: "cannot connect")
        #expect(!health.isUp(at: start.addingTimeInterval(0.9)))
        #expect(health.isUp(at: start.addingTimeInterval(1)))
        health.failed(at: start.addingTimeInterval(1), error: "cannot connect")
        #expect(!health.isUp(at: start.addingTimeInterval(2.9)))
        #expect(health.isUp(at: start.addingTimeInterval(3)))
        for second in 0..<20 { health.failed(at: start.addingTimeInterval(Double(10 + second)), error: "x") }
        #expect(health.downUntil == start.addingTimeInterval(29 + 60))
        health.succeeded()
        #expect(health.isUp(at: start) && health.lastError == nil)
    }
}
