import Logging
import ServiceLifecycle
import SMTP
import SMTPSink
import Testing

@Suite("SMTP client against herald smtp-sink over loopback", .serialized)
struct SMTPSinkTests {
    static func withSink(configure: (inout SMTPSink.Configuration) throws -> Void = { _ in },
                         _ body: @Sendable (SMTPSink, Int) async throws -> Void) async throws {
        var configuration = SMTPSink.Configuration()
        configuration.port = 0
        try configure(&configuration)
        let sink = SMTPSink(configuration: configuration, recipients: MagicRecipients(slowMilliseconds: 2_000))
        let group = ServiceGroup(services: [sink], logger: Logger(label: "test.smtp"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await sink.port()
            do { try await body(sink, port) } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static func send(to recipient: String, port: Int, timeout: Int64 = 5) async -> SMTPClientStateMachine.Outcome {
        let message = MIMEMessage(from: "no-reply@acme.test", to: recipient, subject: "Hi", text: "Hello\n.\nbye", messageID: "m1@acme.test",
                                  date: "Fri, 04 Dec 2026 10:00:00 +0000")
        return await SMTPClient.send(message: message.rendered(boundary: "b1"),
                                     envelope: .init(sender: "bounces+m1@bounce.test", recipients: [recipient], mailDSNParameters: ["ENVID=m1"]),
                                     host: "127.0.0.1", port: port, helloName: "herald.test", timeout: .seconds(timeout))
    }

    @Test("a sink that cannot bind its port (taken) fails, and whoever waits for its port hears so instead of waiting forever")
    func portTaken() async throws {
        try await Self.withSink { _, taken in
            var configuration = SMTPSink.Configuration()
            configuration.port = taken
            let second = SMTPSink(configuration: configuration, recipients: MagicRecipients())
            let waiting = Task { try await second.port() }
            await #expect(throws: (any Error).self) { try await second.run() }
            await #expect(throws: (any Error).self) { try await waiting.value }
            await #expect(throws: (any Error).self) { try await second.port() }
        }
    }

    @Test("an ordinary recipient is taken, the body arrives intact (a lone dot line survives dot-stuffing)")
    func accepted() async throws {
        try await Self.withSink { sink, port in
            let outcome = await Self.send(to: "ann@example.com", port: port)
            guard case .accepted(let reply) = outcome else { Issue.record("\(outcome)"); return }
            #expect(reply.code == 250)
            let taken = try #require(sink.messages.last)
            #expect(taken.recipients == ["ann@example.com"])
            #expect(taken.mailParameters == ["ENVID=m1"])
            #expect(taken.data.contains("Hello\r\n.\r\nbye"))
        }
    }

    @Test("magic recipients: 5.1.1, 5.2.2, 5.7.1, defer, defer-once then taken, drop")
    func outcomes() async throws {
        try await Self.withSink { _, port in
            for (recipient, code, enhanced) in [("unknown@example.com", 550, "5.1.1"), ("full+x@example.com", 552, "5.2.2"),
                                                ("spam@example.com", 550, "5.7.1"), ("defer@example.com", 451, "4.3.0")] {
                let outcome = await Self.send(to: recipient, port: port)
                guard case .refused(let reply, let stage) = outcome else { Issue.record("\(recipient): \(outcome)"); continue }
                #expect(reply.code == code)
                #expect(reply.enhancedCode?.description == enhanced)
                #expect(stage == .rcpt)
            }
            guard case .refused(let first, _) = await Self.send(to: "defer-once@example.com", port: port) else { Issue.record("not deferred"); return }
            #expect(first.isTransient)
            guard case .accepted = await Self.send(to: "defer-once@example.com", port: port) else { Issue.record("not taken the second time"); return }
            guard case .failed(let error) = await Self.send(to: "drop@example.com", port: port) else { Issue.record("not dropped"); return }
            #expect(error.isTransient)
        }
    }

    @Test("a server slower than the client's timeout is a failure naming the step, not a hang")
    func slow() async throws {
        try await Self.withSink { _, port in
            let outcome = await Self.send(to: "slow@example.com", port: port, timeout: 1)
            #expect(outcome == .failed(.timeout("RCPT TO")))
        }
    }

    @Test("nothing listening: a failure, not a throw")
    func refusedConnection() async {
        let outcome = await Self.send(to: "ann@example.com", port: 1)
        guard case .failed = outcome else { Issue.record("\(outcome)"); return }
    }
}
