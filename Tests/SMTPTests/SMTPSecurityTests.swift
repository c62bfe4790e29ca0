import Foundation
import SMTP
import Testing

@Suite("STARTTLS and AUTH in the SMTP sessions")
struct SMTPSecurityTests {
    static let envelope = SMTPClientStateMachine.Envelope(sender: "bounces+msg_1@bounce.test", recipients: ["ann@example.com"])
    static let credentials = SMTPClientStateMachine.Credentials(username: "herald", password: "s3cret")

    @Test("STARTTLS when offered, EHLO again under TLS, then AUTH PLAIN with the credentials, then MAIL")
    func startTLSThenPlain() {
        var machine = SMTPClientStateMachine(envelope: Self.envelope, helloName: "herald.test",
                                             security: .init(tls: .startTLS(required: true), credentials: Self.credentials))
        _ = machine.received(line: "220 relay.test ESMTP")
        _ = machine.received(line: "250-relay.test")
        // No AUTH is tried before TLS, even if the server lists it in clear.
        _ = machine.received(line: "250-AUTH PLAIN LOGIN")
        #expect(machine.received(line: "250 STARTTLS") == [.send("STARTTLS")])
        #expect(machine.received(line: "220 2.0.0 ready") == [.startTLS])
        #expect(machine.tlsEstablished() == [.send("EHLO herald.test")])
        #expect(machine.isSecure)
        _ = machine.received(line: "250-relay.test")
        // base64 of "\0herald\0s3cret"
        #expect(machine.received(line: "250 AUTH LOGIN PLAIN") == [.send("AUTH PLAIN AGhlcmFsZABzM2NyZXQ=")])
        #expect(machine.received(line: "235 2.7.0 ok") == [.send("MAIL FROM:<bounces+msg_1@bounce.test>")])
        #expect(!"\(Self.credentials)".contains("s3cret"))
    }

    @Test("AUTH LOGIN when PLAIN is not offered: user name and password each in base64 after a 334")
    func login() {
        var machine = SMTPClientStateMachine(envelope: Self.envelope, helloName: "herald.test", security: .init(tls: .implicit, credentials: Self.credentials))
        _ = machine.received(line: "220 relay.test ESMTP")
        _ = machine.received(line: "250-relay.test")
        #expect(machine.received(line: "250 AUTH LOGIN") == [.send("AUTH LOGIN")])
        #expect(machine.received(line: "334 VXNlcm5hbWU6") == [.send("aGVyYWxk")])
        #expect(machine.received(line: "334 UGFzc3dvcmQ6") == [.send("czNjcmV0")])
        #expect(machine.received(line: "235 2.7.0 ok") == [.send("MAIL FROM:<bounces+msg_1@bounce.test>")])
    }

    @Test("refused credentials end the transaction at AUTH with the server's reply")
    func refused() {
        var machine = SMTPClientStateMachine(envelope: Self.envelope, helloName: "herald.test", security: .init(tls: .implicit, credentials: Self.credentials))
        _ = machine.received(line: "220 relay.test ESMTP")
        _ = machine.received(line: "250-relay.test")
        _ = machine.received(line: "250 AUTH PLAIN")
        let reply = SMTPReply(code: 535, "5.7.8 authentication credentials invalid")
        #expect(machine.received(line: "535 5.7.8 authentication credentials invalid") == [.finish(.refused(reply, .auth)), .send("QUIT")])
    }

    @Test("required TLS not offered: no MAIL in clear, and a password is never sent in clear")
    func tlsRequired() {
        var required = SMTPClientStateMachine(envelope: Self.envelope, helloName: "herald.test", security: .init(tls: .startTLS(required: true)))
        _ = required.received(line: "220 relay.test ESMTP")
        #expect(required.received(line: "250 relay.test") == [.finish(.failed(.tlsUnavailable)), .close])

        var withPassword = SMTPClientStateMachine(envelope: Self.envelope, helloName: "herald.test",
                                                  security: .init(tls: .startTLS(required: false), credentials: Self.credentials))
        _ = withPassword.received(line: "220 relay.test ESMTP")
        _ = withPassword.received(line: "250-relay.test")
        #expect(withPassword.received(line: "250 AUTH PLAIN") == [.finish(.failed(.tlsUnavailable)), .close])

        // Opportunistic and without credentials: goes on in clear.
        var opportunistic = SMTPClientStateMachine(envelope: Self.envelope, helloName: "herald.test", security: .init(tls: .startTLS(required: false)))
        _ = opportunistic.received(line: "220 relay.test ESMTP")
        #expect(opportunistic.received(line: "250 relay.test") == [.send("MAIL FROM:<bounces+msg_1@bounce.test>")])
    }

    @Test("a server that says anything between its 220 to STARTTLS and the handshake is cut off (command injection)")
    func injection() {
        var machine = SMTPClientStateMachine(envelope: Self.envelope, helloName: "herald.test", security: .init(tls: .startTLS(required: true)))
        _ = machine.received(line: "220 relay.test ESMTP")
        _ = machine.received(line: "250-relay.test")
        _ = machine.received(line: "250 STARTTLS")
        #expect(machine.received(line: "220 ready") == [.startTLS])
        guard case .finish(.failed(let error)) = machine.received(line: "250 injected").first else { Issue.record("not failed"); return }
        #expect(error.description.contains("before the TLS handshake"))
    }

    @Test("the server offers STARTTLS until it is active, AUTH only under TLS, and asks for AUTH before MAIL")
    func server() {
        let security = SMTPServerStateMachine.Security(offersStartTLS: true, authenticator: { $0 == "herald" && $1 == "s3cret" })
        var machine = SMTPServerStateMachine(hostname: "sink.test", security: security) { _ in .accept }
        guard case .reply(let ehlo) = machine.received(line: "EHLO herald.test").first else { Issue.record("no reply"); return }
        #expect(ehlo.lines.contains("STARTTLS"))
        #expect(!ehlo.lines.contains { $0.hasPrefix("AUTH") })
        #expect(machine.received(line: "AUTH PLAIN AGhlcmFsZABzM2NyZXQ=") == [.reply(SMTPReply(code: 538, "5.7.11 encryption required: STARTTLS first"))])
        #expect(machine.received(line: "MAIL FROM:<a@b.test>") == [.reply(SMTPReply(code: 530, "5.7.0 authentication required"))])
        #expect(machine.received(line: "STARTTLS") == [.reply(SMTPReply(code: 220, "2.0.0 ready to start TLS")), .startTLS])
        // Plain text pipelined after STARTTLS is thrown away.
        #expect(machine.received(line: "MAIL FROM:<a@b.test>") == [])
        machine.tlsEstablished()
        #expect(machine.received(line: "MAIL FROM:<a@b.test>") == [.reply(SMTPReply(code: 503, "5.5.1 EHLO first"))])
        guard case .reply(let secureEHLO) = machine.received(line: "EHLO herald.test").first else { Issue.record("no reply"); return }
        #expect(!secureEHLO.lines.contains("STARTTLS"))
        #expect(secureEHLO.lines.contains("AUTH PLAIN LOGIN"))
        #expect(machine.received(line: "AUTH PLAIN AGhlcmFsZAB3cm9uZw==") == [.reply(SMTPReply(code: 535, "5.7.8 authentication credentials invalid"))])
        #expect(machine.received(line: "AUTH LOGIN") == [.reply(SMTPReply(code: 334, "VXNlcm5hbWU6"))])
        #expect(machine.received(line: "aGVyYWxk") == [.reply(SMTPReply(code: 334, "UGFzc3dvcmQ6"))])
        #expect(machine.received(line: "czNjcmV0") == [.reply(SMTPReply(code: 235, "2.7.0 authentication successful"))])
        #expect(machine.authenticatedAs == "herald")
        #expect(machine.received(line: "MAIL FROM:<a@b.test>") == [.reply(SMTPReply(code: 250, "2.1.0 sender ok"))])
        #expect(machine.received(line: "AUTH PLAIN %%%") == [.reply(SMTPReply(code: 503, "5.5.1 already authenticated"))])
    }
}

@Suite("SMTPUTF8 and address headers")
struct SMTPUTF8Tests {
    @Test("a non-ASCII address goes with SMTPUTF8 when offered, and is not sent at all when not")
    func smtputf8() {
        let envelope = SMTPClientStateMachine.Envelope(sender: "bounces+m@bounce.test", recipients: ["josé@example.com"])
        var offered = SMTPClientStateMachine(envelope: envelope, helloName: "herald.test")
        _ = offered.received(line: "220 mx ESMTP")
        _ = offered.received(line: "250-mx")
        #expect(offered.received(line: "250 SMTPUTF8") == [.send("MAIL FROM:<bounces+m@bounce.test> SMTPUTF8")])
        var missing = SMTPClientStateMachine(envelope: envelope, helloName: "herald.test")
        _ = missing.received(line: "220 mx ESMTP")
        #expect(missing.received(line: "250 mx") == [.finish(.failed(.smtputf8Unavailable)), .close])
    }

    @Test("a non-ASCII display name is encoded words, the address beside it stays an address")
    func displayName() {
        let message = MIMEMessage(from: "Café Zoë <no-reply@acme.test>", to: "ann@example.com", subject: "x", text: "x", messageID: "m@x", date: "d")
        #expect(message.rendered(boundary: "b").contains("From: =?UTF-8?B?Q2Fmw6kgWm/Dqw==?= <no-reply@acme.test>\r\n"))
    }
}

@Suite("PIPELINING")
struct SMTPPipeliningTests {
    static let envelope = SMTPClientStateMachine.Envelope(sender: "b@bounce.test", recipients: ["ann@example.com", "bob@example.com"])

    @Test("offered: MAIL, every RCPT and DATA go together; the replies are read in order; 354 sends the message")
    func pipelined() {
        var machine = SMTPClientStateMachine(envelope: Self.envelope, helloName: "herald.test")
        _ = machine.received(line: "220 mx ESMTP")
        _ = machine.received(line: "250-mx")
        #expect(machine.received(line: "250 PIPELINING") == [.send("MAIL FROM:<b@bounce.test>"), .send("RCPT TO:<ann@example.com>"),
                                                              .send("RCPT TO:<bob@example.com>"), .send("DATA")])
        #expect(machine.isPipelining)
        #expect(machine.received(line: "250 2.1.0 ok") == [])
        #expect(machine.received(line: "250 2.1.5 ok") == [])
        #expect(machine.received(line: "250 2.1.5 ok") == [])
        #expect(machine.received(line: "354 go") == [.sendMessage])
        #expect(machine.received(line: "250 2.0.0 queued") == [.finish(.accepted(SMTPReply(code: 250, "2.0.0 queued"))), .send("QUIT")])
    }

    @Test("a refused recipient ends it with that reply, whatever the pipelined DATA then gets")
    func refused() {
        var machine = SMTPClientStateMachine(envelope: Self.envelope, helloName: "herald.test")
        _ = machine.received(line: "220 mx ESMTP")
        _ = machine.received(line: "250-mx")
        _ = machine.received(line: "250 PIPELINING")
        _ = machine.received(line: "250 2.1.0 ok")
        let refusal = SMTPReply(code: 550, "5.1.1 no such user")
        #expect(machine.received(line: "550 5.1.1 no such user") == [.finish(.refused(refusal, .rcpt)), .send("QUIT")])
        _ = machine.received(line: "250 2.1.5 ok")
        _ = machine.received(line: "554 5.5.1 no valid recipients")
        #expect(machine.isFinished)
    }
}
