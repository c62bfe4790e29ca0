import SMTP
import Testing

@Suite("SMTP replies, the client session, DATA")
struct SMTPProtocolTests {
    @Test("multi-line replies gather into one, with the enhanced status code of the first line")
    func replies() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.feed("250-mx.example.com") == nil)
        #expect(try parser.feed("250-PIPELINING") == nil)
        let reply = try #require(try parser.feed("250 DSN"))
        #expect(reply.code == 250)
        #expect(reply.lines == ["mx.example.com", "PIPELINING", "DSN"])
        let bounce = try #require(try parser.feed("550 5.1.1 <ann@example.com>: Recipient address rejected"))
        #expect(bounce.isPermanent)
        #expect(bounce.enhancedCode == EnhancedStatusCode(statusClass: 5, subject: 1, detail: 1))
        #expect(try #require(try parser.feed("421")).lines == [""])
        #expect(reply.wire == "250-mx.example.com\r\n250-PIPELINING\r\n250 DSN\r\n")
    }

    @Test("garbage, a code out of range or a continuation with another code is a malformed reply, never a crash",
          arguments: ["hello", "25", "2500 x", "999 nope", "099 x", "250_x"])
    func garbage(line: String) {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPError.self) { try parser.feed(line) }
    }

    @Test("a continuation that changes its code is malformed")
    func mixedCodes() throws {
        var parser = SMTPReplyParser()
        _ = try parser.feed("250-first")
        #expect(throws: SMTPError.self) { try parser.feed("550 second") }
    }

    static let envelope = SMTPClientStateMachine.Envelope(sender: "bounces+msg_1@bounce.test", recipients: ["ann@example.com"],
                                                          mailDSNParameters: ["RET=HDRS", "ENVID=msg_1"],
                                                          recipientDSNParameters: ["NOTIFY=SUCCESS,FAILURE,DELAY"])

    @Test("a whole transaction: EHLO, MAIL with DSN parameters when offered, RCPT, DATA, the message, QUIT")
    func transaction() {
        var machine = SMTPClientStateMachine(envelope: Self.envelope, helloName: "herald.test")
        #expect(machine.received(line: "220 relay.test ESMTP") == [.send("EHLO herald.test")])
        #expect(machine.received(line: "250-relay.test") == [])
        #expect(machine.received(line: "250 DSN") == [.send("MAIL FROM:<bounces+msg_1@bounce.test> RET=HDRS ENVID=msg_1")])
        #expect(machine.received(line: "250 2.1.0 ok") == [.send("RCPT TO:<ann@example.com> NOTIFY=SUCCESS,FAILURE,DELAY")])
        #expect(machine.received(line: "250 2.1.5 ok") == [.send("DATA")])
        #expect(machine.received(line: "354 go ahead") == [.sendMessage])
        #expect(machine.received(line: "250 2.0.0 queued as ABC") == [.finish(.accepted(SMTPReply(code: 250, "2.0.0 queued as ABC"))), .send("QUIT")])
        #expect(machine.received(line: "221 bye") == [.close])
        #expect(machine.closed() == [])
    }

    @Test("without DSN in the EHLO reply, no DSN parameters; a refused EHLO falls back to HELO")
    func noExtensions() {
        var machine = SMTPClientStateMachine(envelope: Self.envelope, helloName: "herald.test")
        _ = machine.received(line: "220 old.test")
        #expect(machine.received(line: "502 5.5.1 what") == [.send("HELO herald.test")])
        #expect(machine.received(line: "250 old.test") == [.send("MAIL FROM:<bounces+msg_1@bounce.test>")])
        #expect(machine.received(line: "250 ok") == [.send("RCPT TO:<ann@example.com>")])
    }

    @Test("a refusal names its stage and the reply; a dropped connection or silence before the end is a failure")
    func refusals() {
        var machine = SMTPClientStateMachine(envelope: Self.envelope, helloName: "h")
        _ = machine.received(line: "220 x")
        _ = machine.received(line: "250 x")
        _ = machine.received(line: "250 ok")
        let refused = SMTPReply(code: 550, "5.1.1 unknown")
        #expect(machine.received(line: "550 5.1.1 unknown") == [.finish(.refused(refused, .rcpt)), .send("QUIT")])

        var dropped = SMTPClientStateMachine(envelope: Self.envelope, helloName: "h")
        _ = dropped.received(line: "220 x")
        #expect(dropped.closed() == [.finish(.failed(.connectionClosed("EHLO"))), .close])

        var silent = SMTPClientStateMachine(envelope: Self.envelope, helloName: "h")
        #expect(silent.timedOut() == [.finish(.failed(.timeout("the greeting"))), .close])

        var nonsense = SMTPClientStateMachine(envelope: Self.envelope, helloName: "h")
        #expect(nonsense.received(line: "HTTP/1.1 400 Bad Request") == [.finish(.failed(.malformedReply("HTTP/1.1 400 Bad Request"))), .close])
    }

    @Test("a kept session: after the message it waits, the next transaction goes straight to MAIL, QUIT ends it")
    func keptSession() {
        var machine = SMTPClientStateMachine(envelope: Self.envelope, helloName: "h", keepOpen: true)
        _ = machine.received(line: "220 x")
        _ = machine.received(line: "250 x")
        _ = machine.received(line: "250 ok")
        _ = machine.received(line: "250 ok")
        #expect(machine.received(line: "354 go") == [.sendMessage])
        #expect(machine.messageSent)
        #expect(machine.received(line: "250 2.0.0 queued as A") == [.finish(.accepted(SMTPReply(code: 250, "2.0.0 queued as A")))])
        #expect(machine.isIdle)
        let second = SMTPClientStateMachine.Envelope(sender: "bounces+msg_2@bounce.test", recipients: ["bob@example.com"])
        #expect(machine.begin(second) == [.send("MAIL FROM:<bounces+msg_2@bounce.test>")])
        #expect(!machine.messageSent)
        #expect(machine.received(line: "250 ok") == [.send("RCPT TO:<bob@example.com>")])
        _ = machine.received(line: "250 ok")
        _ = machine.received(line: "354 go")
        #expect(machine.received(line: "250 2.0.0 queued as B") == [.finish(.accepted(SMTPReply(code: 250, "2.0.0 queued as B")))])
        #expect(machine.quit() == [.send("QUIT")])
        #expect(machine.received(line: "221 bye") == [.close])
        #expect(machine.begin(second) == [.finish(.failed(.connectionClosed("a session no longer open")))])
    }

    @Test("a kept session after a refused transaction: RSET before the next MAIL; a 421 or a refused greeting ends the session")
    func keptSessionAfterRefusal() {
        var machine = SMTPClientStateMachine(envelope: Self.envelope, helloName: "h", keepOpen: true)
        _ = machine.received(line: "220 x")
        _ = machine.received(line: "250 x")
        _ = machine.received(line: "250 ok")
        let refused = SMTPReply(code: 550, "5.1.1 unknown")
        #expect(machine.received(line: "550 5.1.1 unknown") == [.finish(.refused(refused, .rcpt))])
        #expect(machine.isIdle)
        #expect(machine.begin(Self.envelope) == [.send("RSET")])
        #expect(machine.received(line: "250 2.0.0 reset") == [.send("MAIL FROM:<bounces+msg_1@bounce.test>")])
        #expect(machine.received(line: "421 4.3.2 shutting down") == [.finish(.refused(SMTPReply(code: 421, "4.3.2 shutting down"), .mail)), .send("QUIT")])
        #expect(!machine.isIdle)

        var greeting = SMTPClientStateMachine(envelope: Self.envelope, helloName: "h", keepOpen: true)
        #expect(greeting.received(line: "554 go away") == [.finish(.refused(SMTPReply(code: 554, "go away"), .greeting)), .send("QUIT")])

        // A server that will not reset: the transaction fails with nothing sent, the session ends.
        var stubborn = SMTPClientStateMachine(envelope: Self.envelope, helloName: "h", keepOpen: true)
        _ = stubborn.received(line: "220 x")
        _ = stubborn.received(line: "250 x")
        _ = stubborn.received(line: "550 5.7.1 sender refused")
        #expect(stubborn.begin(Self.envelope) == [.send("RSET")])
        #expect(stubborn.received(line: "500 what") == [.finish(.failed(.protocolViolation("RSET answered 500"))), .close])
        #expect(!stubborn.messageSent)
    }

    @Test("pipelined and refused: the outcome waits for the replies to every command sent, then the session is idle")
    func pipelinedRefusal() {
        var machine = SMTPClientStateMachine(envelope: Self.envelope, helloName: "h", keepOpen: true)
        _ = machine.received(line: "220 x")
        _ = machine.received(line: "250-x")
        #expect(machine.received(line: "250 PIPELINING") == [.send("MAIL FROM:<bounces+msg_1@bounce.test>"), .send("RCPT TO:<ann@example.com>"), .send("DATA")])
        #expect(machine.received(line: "550 5.7.1 sender refused") == [])
        #expect(machine.received(line: "503 5.5.1 no sender") == [])
        #expect(!machine.isIdle)
        #expect(machine.received(line: "554 5.5.1 no valid recipients") == [.finish(.refused(SMTPReply(code: 550, "5.7.1 sender refused"), .mail))])
        #expect(machine.isIdle)
        #expect(machine.begin(Self.envelope) == [.send("RSET")])

        // A server that opens DATA anyway: leaving mid-DATA discards it; the refusal stands.
        var odd = SMTPClientStateMachine(envelope: Self.envelope, helloName: "h", keepOpen: true)
        _ = odd.received(line: "220 x")
        _ = odd.received(line: "250-x")
        _ = odd.received(line: "250 PIPELINING")
        _ = odd.received(line: "250 ok")
        _ = odd.received(line: "550 5.1.1 unknown")
        #expect(odd.received(line: "354 go ahead") == [.finish(.refused(SMTPReply(code: 550, "5.1.1 unknown"), .rcpt)), .close])
    }

    @Test("xtext (RFC 3461): printable ASCII stands for itself, + = space and others as +XX")
    func xtext() {
        #expect(XText.encode("ann@example.com") == "ann@example.com")
        #expect(XText.encode("a+b=c d@example.com") == "a+2Bb+3Dc+20d@example.com")
        #expect(XText.encode("é") == "+C3+A9")
    }

    @Test("DATA: lines end in CRLF, a leading dot is doubled, the end is a lone dot")
    func data() {
        #expect(String(decoding: SMTPData.stuffed("a\n.b\r\n..c"), as: UTF8.self) == "a\r\n..b\r\n...c\r\n.\r\n")
        #expect(String(decoding: SMTPData.stuffed(""), as: UTF8.self) == "\r\n.\r\n")
        #expect(String(decoding: SMTPData.stuffed("x\r\n"), as: UTF8.self) == "x\r\n.\r\n")
    }
}

@Suite("SMTP server session")
struct SMTPServerTests {
    static func machine(_ verdict: SMTPServerStateMachine.Verdict = .accept) -> SMTPServerStateMachine {
        SMTPServerStateMachine(hostname: "sink.test", maximumSize: 64) { _ in verdict }
    }

    @Test("a message is taken with its envelope and parameters, dot-unstuffed")
    func takes() throws {
        var server = Self.machine()
        #expect(server.received(line: "MAIL FROM:<a@b.test>") == [.reply(SMTPReply(code: 503, "5.5.1 EHLO first"))])
        _ = server.received(line: "EHLO client.test")
        _ = server.received(line: "MAIL FROM:<a@b.test> ENVID=m1")
        _ = server.received(line: "RCPT TO:<c@d.test> NOTIFY=FAILURE")
        #expect(server.received(line: "DATA").first == .reply(SMTPReply(code: 354, "end data with <CR><LF>.<CR><LF>")))
        #expect(server.received(line: "Subject: hi") == [])
        #expect(server.received(line: "..dot") == [])
        let actions = server.received(line: ".")
        guard case .received(let message) = actions.first else { Issue.record("no message: \(actions)"); return }
        #expect(message.sender == "a@b.test")
        #expect(message.recipients == ["c@d.test"])
        #expect(message.data == "Subject: hi\r\n.dot")
        #expect(message.mailParameters == ["ENVID=m1", "NOTIFY=FAILURE"])
    }

    @Test("a message over the size limit is refused at its end with 552 5.3.4, and the session goes on")
    func tooLarge() {
        var server = Self.machine()
        _ = server.received(line: "EHLO c")
        _ = server.received(line: "MAIL FROM:<a@b.test>")
        _ = server.received(line: "RCPT TO:<c@d.test>")
        _ = server.received(line: "DATA")
        for _ in 0..<10 { _ = server.received(line: String(repeating: "x", count: 20)) }
        #expect(server.received(line: ".") == [.reply(SMTPReply(code: 552, "5.3.4 message larger than 64 octets"))])
        #expect(server.received(line: "NOOP") == [.reply(SMTPReply(code: 250, "2.0.0 ok"))])
    }

    @Test("the policy answers each recipient; DATA without one is refused")
    func policy() {
        var server = Self.machine(.refuse(SMTPReply(code: 550, "5.1.1 unknown")))
        _ = server.received(line: "EHLO c")
        _ = server.received(line: "MAIL FROM:<>")
        #expect(server.received(line: "RCPT TO:<x@d.test>") == [.reply(SMTPReply(code: 550, "5.1.1 unknown"))])
        #expect(server.received(line: "DATA") == [.reply(SMTPReply(code: 554, "5.5.1 no valid recipients"))])
        #expect(server.received(line: "BOGUS") == [.reply(SMTPReply(code: 500, "5.5.2 command not recognized"))])
        #expect(server.received(line: "QUIT") == [.reply(SMTPReply(code: 221, "2.0.0 bye")), .close])
    }
}

@Suite("MIME messages")
struct MIMEMessageTests {
    @Test("text and HTML become multipart/alternative; a non-ASCII subject becomes encoded words; long or 8-bit bodies quoted-printable")
    func rendering() {
        let message = MIMEMessage(from: "Acme <no-reply@acme.test>", to: "ann@example.com", subject: "Grüße aus Köln",
                                  text: "Hallo Ann,\nschön = gut", html: "<p>Hallo</p>", messageID: "msg_1@herald.test",
                                  date: "Fri, 04 Dec 2026 10:00:00 +0000")
        let rendered = message.rendered(boundary: "BOUNDARY")
        #expect(rendered.contains("Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=\r\n"))
        #expect(rendered.contains("Content-Type: multipart/alternative; boundary=\"BOUNDARY\"\r\n"))
        #expect(rendered.contains("Message-ID: <msg_1@herald.test>\r\n"))
        #expect(rendered.contains("Content-Transfer-Encoding: quoted-printable\r\n\r\nHallo Ann,\r\nsch=C3=B6n =3D gut\r\n"))
        #expect(rendered.contains("Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n<p>Hallo</p>\r\n"))
        #expect(rendered.hasSuffix("--BOUNDARY--\r\n"))
        #expect(!rendered.split(separator: "\r\n").contains { $0.utf8.count > 998 })
    }

    @Test("quoted-printable keeps lines within 76 characters with soft breaks, and encodes a trailing space")
    func quotedPrintable() {
        let encoded = MIMEMessage.quotedPrintable(String(repeating: "é", count: 60) + " ")
        #expect(encoded.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 76 })
        #expect(encoded.hasSuffix("=20"))
        #expect(MIMEMessage.quotedPrintable("a b\nc") == "a b\r\nc")
    }

    @Test("dates are RFC 5322 in UTC", arguments: [(Int64(0), "Thu, 01 Jan 1970 00:00:00 +0000"), (1_795_348_800, "Sun, 22 Nov 2026 12:00:00 +0000"),
                                                     (951_782_400, "Tue, 29 Feb 2000 00:00:00 +0000"), (-1, "Wed, 31 Dec 1969 23:59:59 +0000")])
    func dates(seconds: Int64, expected: String) {
        #expect(MIMEMessage.date(secondsSince1970: seconds) == expected)
    }

    @Test("CR and LF in a header value cannot start another header")
    func injection() {
        let message = MIMEMessage(from: "a@b.test", to: "c@d.test", subject: "hi\r\nBcc: victim@x.test", text: "x", messageID: "m@h", date: "d")
        #expect(!message.rendered(boundary: "b").contains("\r\nBcc:"))
    }

    @Test("every line break in a text body goes out as CRLF, and a header value keeps to one line whatever its breaks")
    func lineBreaks() {
        let message = MIMEMessage(from: "a@b.test", to: "c@d.test", subject: "one\ntwo\r\nthree\rfour", text: "a\nb\r\nc\rd\n\ne", messageID: "m@h",
                                  date: "d")
        let rendered = message.rendered(boundary: "b")
        #expect(rendered.contains("\r\n\r\na\r\nb\r\nc\r\nd\r\n\r\ne\r\n"))
        #expect(rendered.contains("Subject: one two three four\r\n"))
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "no bare LF")
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains("\r"), "no bare CR")
        #expect(MIMEMessage.quotedPrintable("é=\n") == "=C3=A9=3D\r\n")
    }
}
