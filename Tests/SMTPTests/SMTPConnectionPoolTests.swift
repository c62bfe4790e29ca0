import NIOCore
import SMTP
import SMTPSink
import Testing

@Suite("Sessions kept open between messages, against herald smtp-sink over loopback", .serialized)
struct SMTPConnectionPoolTests {
    static func message(_ n: Int, to recipient: String) -> (String, SMTPClientStateMachine.Envelope) {
        let message = MIMEMessage(from: "no-reply@acme.test", to: recipient, subject: "Hi \(n)", text: "Hello \(n)", messageID: "m\(n)@acme.test",
                                  date: "Fri, 04 Dec 2026 10:00:00 +0000")
        return (message.rendered(boundary: "b\(n)"), .init(sender: "bounces+m\(n)@bounce.test", recipients: [recipient], mailDSNParameters: ["ENVID=m\(n)"]))
    }

    /// The sink names each message `<hostname>-<connection>-<counter>`: the connection it came on.
    static func connection(of id: String) -> String { id.split(separator: "-").dropLast().joined(separator: "-") }

    static func endpoint(_ port: Int) -> SMTPClient.Endpoint { .init(host: "127.0.0.1", port: port, helloName: "herald.test", timeout: .seconds(5)) }

    @Test("messages one after another share one connection; a refused recipient in between leaves it usable (RSET)")
    func reuse() async throws {
        try await SMTPSinkTests.withSink { sink, port in
            let pool = SMTPConnectionPool(limits: .init(idlePerServer: 4, messagesPerConnection: 100, idleTimeout: .seconds(30)))
            for n in 1...5 {
                let (text, envelope) = Self.message(n, to: n == 3 ? "unknown@example.com" : "ann\(n)@example.com")
                let outcome = await pool.send(message: text, envelope: envelope, to: Self.endpoint(port))
                if n == 3 {
                    guard case .refused(let reply, .rcpt) = outcome else { Issue.record("\(outcome)"); continue }
                    #expect(reply.enhancedCode?.description == "5.1.1")
                } else {
                    guard case .accepted = outcome else { Issue.record("message \(n): \(outcome)"); continue }
                }
            }
            let taken = sink.messages
            #expect(taken.map(\.recipients) == [["ann1@example.com"], ["ann2@example.com"], ["ann4@example.com"], ["ann5@example.com"]])
            #expect(Set(taken.map { Self.connection(of: $0.id) }).count == 1)
            #expect(taken.map(\.data).allSatisfy { $0.contains("Subject: Hi") })
            #expect(pool.idleConnections(host: "127.0.0.1", port: port).count == 1)
            pool.closeIdle()
        }
    }

    @Test("messages_per_connection ends a session after that many; pool size 0 is a new connection per message")
    func limits() async throws {
        try await SMTPSinkTests.withSink { sink, port in
            let pool = SMTPConnectionPool(limits: .init(idlePerServer: 4, messagesPerConnection: 2, idleTimeout: .seconds(30)))
            for n in 1...5 {
                let (text, envelope) = Self.message(n, to: "ann\(n)@example.com")
                guard case .accepted = await pool.send(message: text, envelope: envelope, to: Self.endpoint(port)) else { Issue.record("message \(n)"); continue }
            }
            #expect(Set(sink.messages.map { Self.connection(of: $0.id) }).count == 3)
            pool.closeIdle()

            let none = SMTPConnectionPool(limits: .init(idlePerServer: 0))
            for n in 6...8 {
                let (text, envelope) = Self.message(n, to: "ann\(n)@example.com")
                guard case .accepted = await none.send(message: text, envelope: envelope, to: Self.endpoint(port)) else { Issue.record("message \(n)"); continue }
            }
            #expect(Set(sink.messages.suffix(3).map { Self.connection(of: $0.id) }).count == 3)
            #expect(none.idleConnections(host: "127.0.0.1", port: port).isEmpty)
        }
    }

    @Test("concurrent messages open several sessions and keep them; all are taken once")
    func concurrent() async throws {
        try await SMTPSinkTests.withSink { sink, port in
            let pool = SMTPConnectionPool(limits: .init(idlePerServer: 8, messagesPerConnection: 100, idleTimeout: .seconds(30)))
            for round in 0..<3 {
                await withTaskGroup(of: Void.self) { group in
                    for n in 0..<8 {
                        group.addTask {
                            let (text, envelope) = Self.message(round * 8 + n, to: "ann\(round * 8 + n)@example.com")
                            guard case .accepted = await pool.send(message: text, envelope: envelope, to: Self.endpoint(port)) else {
                                Issue.record("message \(round * 8 + n)")
                                return
                            }
                        }
                    }
                }
            }
            let taken = sink.messages
            #expect(Set(taken.flatMap(\.recipients)).count == 24)
            #expect(taken.count == 24)
            #expect(Set(taken.map { Self.connection(of: $0.id) }).count <= 8)
            pool.closeIdle()
        }
    }

    @Test("a session the server ended while it waited: the next message goes on a new connection, taken once, no failure")
    func serverEndedIdleSession() async throws {
        try await SMTPSinkTests.withSink(configure: { $0.idleTimeout = .milliseconds(200) }) { sink, port in
            let pool = SMTPConnectionPool(limits: .init(idlePerServer: 4, messagesPerConnection: 100, idleTimeout: .seconds(30)))
            let (first, firstEnvelope) = Self.message(1, to: "ann@example.com")
            guard case .accepted = await pool.send(message: first, envelope: firstEnvelope, to: Self.endpoint(port)) else { Issue.record("first"); return }
            #expect(pool.idleConnections(host: "127.0.0.1", port: port).count == 1)
            // The sink ends the idle session (421 and close); wait for that event on the kept connection.
            for connection in pool.idleConnections(host: "127.0.0.1", port: port) { try await connection.closeFuture.get() }
            let (second, secondEnvelope) = Self.message(2, to: "bob@example.com")
            let outcome = await pool.send(message: second, envelope: secondEnvelope, to: Self.endpoint(port))
            guard case .accepted = outcome else { Issue.record("second: \(outcome)"); return }
            let taken = sink.messages
            #expect(taken.map(\.recipients) == [["ann@example.com"], ["bob@example.com"]])
            #expect(Set(taken.map { Self.connection(of: $0.id) }).count == 2)
            pool.closeIdle()
        }
    }
}

extension SMTPConnectionPoolTests {
    @Test("a server at its connection cap answers one more 421 at the greeting; a client is served once a session ends")
    func connectionCap() async throws {
        try await SMTPSinkTests.withSink(configure: { $0.maximumConnections = 1 }) { sink, port in
            let pool = SMTPConnectionPool(limits: .init(idlePerServer: 1, messagesPerConnection: 100, idleTimeout: .seconds(30)))
            let (text, envelope) = Self.message(1, to: "ann@example.com")
            guard case .accepted = await pool.send(message: text, envelope: envelope, to: Self.endpoint(port)) else { Issue.record("first"); return }
            let kept = try #require(pool.idleConnections(host: "127.0.0.1", port: port).first)
            // The kept session holds the one connection: another client is turned away, nothing taken.
            let (other, otherEnvelope) = Self.message(2, to: "bob@example.com")
            let refused = await SMTPClient.send(message: other, envelope: otherEnvelope, host: "127.0.0.1", port: port, helloName: "h", timeout: .seconds(5))
            guard case .refused(let reply, .greeting) = refused else { Issue.record("\(refused)"); return }
            #expect(reply.code == 421)
            #expect(reply.enhancedCode?.description == "4.7.0")
            pool.closeIdle()
            try await kept.closeFuture.get()
            // The server counts the session closed once it has seen the close: try again until then, bounded.
            var outcome = refused
            for _ in 0..<100 {
                outcome = await SMTPClient.send(message: other, envelope: otherEnvelope, host: "127.0.0.1", port: port, helloName: "h", timeout: .seconds(5))
                if case .accepted = outcome { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            guard case .accepted = outcome else { Issue.record("\(outcome)"); return }
            #expect(sink.messages.map(\.recipients) == [["ann@example.com"], ["bob@example.com"]])
        }
    }
}
