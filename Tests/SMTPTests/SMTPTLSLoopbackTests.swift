import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import SMTP
import SMTPSink
import Testing

/// Test-only certificates (Tests/Fixtures/tls/README.md).
enum TestTLS {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/tls")
    static var ca: String { folder.appendingPathComponent("ca.pem").path }
    static var otherCA: String { folder.appendingPathComponent("other-ca.pem").path }
    static var certificate: String { folder.appendingPathComponent("server.pem").path }
    static var key: String { folder.appendingPathComponent("server-key.pem").path }
    /// For relay.test only (no IP address: a client that connects by address must be given the name).
    static var nameOnlyCertificate: String { folder.appendingPathComponent("name-only.pem").path }
    static var nameOnlyKey: String { folder.appendingPathComponent("name-only-key.pem").path }
}

@Suite("SMTP over TLS against herald smtp-sink over loopback", .serialized)
struct SMTPTLSLoopbackTests {
    static let credentials = SMTPClientStateMachine.Credentials(username: "herald", password: "s3cret")

    static func withSink(implicitTLS: Bool = false, certificate: String = TestTLS.certificate, key: String = TestTLS.key,
                         _ body: @Sendable (SMTPSink, Int) async throws -> Void) async throws {
        try await SMTPSinkTests.withSink(configure: { configuration in
            configuration.tls = try SMTPTLS.server(certificateFile: certificate, keyFile: key)
            configuration.implicitTLS = implicitTLS
            configuration.credentials = credentials
        }, body)
    }

    static func send(port: Int, tls: SMTPClientStateMachine.Security.TLS, tlsClient: SMTPTLS?,
                     credentials: SMTPClientStateMachine.Credentials? = credentials) async -> SMTPClientStateMachine.Outcome {
        let message = MIMEMessage(from: "no-reply@acme.test", to: "ann@example.com", subject: "Hi", text: "Hello", messageID: "m1@acme.test",
                                  date: "Fri, 04 Dec 2026 10:00:00 +0000")
        return await SMTPClient.send(message: message.rendered(boundary: "b1"), envelope: .init(sender: "bounces+m1@bounce.test", recipients: ["ann@example.com"]),
                                     host: "127.0.0.1", port: port, helloName: "herald.test",
                                     security: .init(tls: tls, credentials: credentials), tls: tlsClient, timeout: .seconds(5))
    }

    @Test("STARTTLS with the relay's certificate verified against the operator's CA, then AUTH: the message arrives under TLS, signed in")
    func startTLS() async throws {
        try await Self.withSink { sink, port in
            let outcome = await Self.send(port: port, tls: .startTLS(required: true), tlsClient: try SMTPTLS.client(host: "127.0.0.1", caFile: TestTLS.ca))
            guard case .accepted = outcome else { Issue.record("\(outcome)"); return }
            let taken = try #require(sink.messages.last)
            #expect(taken.secure)
            #expect(taken.authenticatedAs == "herald")
            // By name too: the certificate carries relay.test.
            let byName = await Self.send(port: port, tls: .startTLS(required: true), tlsClient: try SMTPTLS.client(host: "relay.test", caFile: TestTLS.ca))
            guard case .accepted = byName else { Issue.record("\(byName)"); return }
        }
    }

    @Test("implicit TLS from the first byte (port 465 style)")
    func implicit() async throws {
        try await Self.withSink(implicitTLS: true) { sink, port in
            let outcome = await Self.send(port: port, tls: .implicit, tlsClient: try SMTPTLS.client(host: "localhost", caFile: TestTLS.ca))
            guard case .accepted = outcome else { Issue.record("\(outcome)"); return }
            #expect(sink.messages.last?.secure == true)
        }
    }

    @Test("a certificate from a CA not trusted, or for another name, ends the connection before anything is said: a TLS failure")
    func untrusted() async throws {
        try await Self.withSink { sink, port in
            let outcome = await Self.send(port: port, tls: .startTLS(required: true), tlsClient: try SMTPTLS.client(host: "127.0.0.1", caFile: TestTLS.otherCA))
            guard case .failed(let error) = outcome else { Issue.record("not a failure: \(outcome)"); return }
            #expect(error.isConnectionLevel)
            #expect(error.description.hasPrefix("TLS handshake failed"), "\(error)")
            #expect(sink.messages.isEmpty)
        }
        try await Self.withSink(certificate: TestTLS.nameOnlyCertificate, key: TestTLS.nameOnlyKey) { sink, port in
            let outcome = await Self.send(port: port, tls: .startTLS(required: true), tlsClient: try SMTPTLS.client(host: "wrong.test", caFile: TestTLS.ca))
            guard case .failed(let error) = outcome else { Issue.record("not a failure: \(outcome)"); return }
            #expect(error.description.hasPrefix("TLS handshake failed"), "\(error)")
            #expect(sink.messages.isEmpty)
            let named = await Self.send(port: port, tls: .startTLS(required: true), tlsClient: try SMTPTLS.client(host: "relay.test", caFile: TestTLS.ca))
            guard case .accepted = named else { Issue.record("\(named)"); return }
        }
    }

    @Test("wrong credentials: refused at AUTH with 535 5.7.8; nothing taken")
    func wrongPassword() async throws {
        try await Self.withSink { sink, port in
            let outcome = await Self.send(port: port, tls: .startTLS(required: true), tlsClient: try SMTPTLS.client(host: "127.0.0.1", caFile: TestTLS.ca),
                                          credentials: .init(username: "herald", password: "nope"))
            guard case .refused(let reply, .auth) = outcome else { Issue.record("\(outcome)"); return }
            #expect(reply.code == 535)
            #expect(reply.enhancedCode?.description == "5.7.8")
            #expect(sink.messages.isEmpty)
        }
    }
}
