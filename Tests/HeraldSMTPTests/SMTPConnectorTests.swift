import Foundation
import HeraldConnectors
import HeraldCore
import HeraldEngine
import HeraldLinks
import HeraldSMTP
import HeraldSQLite
import HeraldStore
import Logging
import ServiceLifecycle
import SMTP
import SMTPSink
import Testing

/// Herald's engine with a real SMTP connector relaying to `herald smtp-sink` over loopback, on a temporary SQLite store.
@Suite("E-mail through an SMTP relay", .serialized)
struct SMTPConnectorTests {
    struct Harness {
        let store: any HeraldStore
        let sink: SMTPSink
        let dispatcher: Dispatcher
        let gateway: Gateway
        let account: Account
        /// Herald's listener for bounces to bounce.test.
        let bouncePort: Int

        func send(to: String, subject: String = "Your order", text: String = "It ships today.", html: String? = nil, replyTo: String? = nil) async throws -> String {
            var request = SendRequest(channel: "email", to: to, from: "Acme <no-reply@acme.test>", subject: subject, text: text)
            request.html = html
            request.replyTo = replyTo
            let accepted = try await gateway.send([request], accountID: account.id).get()
            return accepted[0].outcome.messageID
        }

        func message(_ id: String) async throws -> MessageRecord {
            try #require(try await store.message(id: id, accountID: account.id))
        }

        /// Dispatches (retries included) until the message satisfies `done`.
        func settle(_ id: String, done: (MessageRecord) -> Bool) async throws -> MessageRecord {
            for _ in 0..<400 {
                while try await dispatcher.runOnce() > 0 {}
                let record = try await message(id)
                if done(record) { return record }
                try await Task.sleep(for: .milliseconds(25))
            }
            return try await message(id)
        }
    }

    /// `relayPort`: the connector's relay (nil: the sink itself); `sinkPort` and `bouncePort` 0 for any free port.
    /// `sinkSecurity`: the sink offers STARTTLS with the test certificate and asks for AUTH herald / s3cret.
    /// `configure` changes the connector's settings; `backup` adds a second connector ("backup", to the sink) on a
    /// lower-priority route.
    static func run(relayPort: Int? = nil, sinkPort: Int = 0, bouncePort: Int = 0, sinkSecurity: Bool = false, sinkTLS: Bool = false, backup: Bool = false,
                    publicURL: String? = nil, bounceTLS: Bool = false,
                    configure: (inout SMTPConnectorConfiguration) -> Void = { _ in }, _ body: (Harness) async throws -> Void) async throws {
        var sinkConfiguration = SMTPSink.Configuration()
        sinkConfiguration.port = sinkPort
        if sinkSecurity || sinkTLS {
            sinkConfiguration.tls = try SMTPTLS.server(certificateFile: TestTLS.certificate, keyFile: TestTLS.key)
        }
        if sinkSecurity { sinkConfiguration.credentials = .init(username: "herald", password: "s3cret") }
        let sink = SMTPSink(configuration: sinkConfiguration, recipients: MagicRecipients(slowMilliseconds: 3_000))
        let group = ServiceGroup(services: [sink], logger: Logger(label: "test.smtp"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await sink.port()
            var configuration = SMTPConnectorConfiguration(name: "mail", host: "127.0.0.1", port: relayPort ?? port, bounceDomain: "bounce.test")
            configuration.timeout = .seconds(1)
            configure(&configuration)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-smtp-\(UUID().uuidString).sqlite").path
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            let links = publicURL.map { url in LinkSigner(publicURL: url) { try await store.callbackSecret(accountID: $0) } }
            var connectors: [any Connector] = [try SMTPConnector(configuration: configuration, links: links)]
            var routes: [ConnectorRegistry.Route] = []
            if backup {
                var second = SMTPConnectorConfiguration(name: "backup", host: "127.0.0.1", port: port, bounceDomain: "bounce.test")
                second.timeout = .seconds(1)
                connectors.append(try SMTPConnector(configuration: second))
                routes = [.init(channel: .email, connector: "mail", priority: 0), .init(channel: .email, connector: "backup", priority: 1)]
            }
            let dispatcher = Dispatcher(store: store, connectors: ConnectorRegistry(connectors, routes: routes),
                                        configuration: .init(workers: 1, batchSize: 64, lease: 30,
                                                             retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.05, maxDelay: 0.1, jitter: 0)))
            let receipts = ReceiptSink()
            let recorder = InboundRecorder(store: store)
            var listenerConfiguration = BounceListener.Configuration(host: "127.0.0.1", port: bouncePort, domains: ["bounce.test": "mail"],
                                                                     tokens: ["mail": configuration.bounceToken])
            if bounceTLS { listenerConfiguration.tls = try SMTPTLS.server(certificateFile: TestTLS.certificate, keyFile: TestTLS.key) }
            let listener = BounceListener(configuration: listenerConfiguration, sink: receipts,
                                          inbound: { message, acknowledge in recorder.deliver(message, acknowledge: acknowledge) },
                                          unsubscribe: { messageID, stored in
                                              recorder.unsubscribe(messageID: messageID, at: Date(), acknowledge: { stored(true) }, giveUp: { stored(false) })
                                          })
            let herald = ServiceGroup(services: [listener, ReceiptIngestor(store: store, sink: receipts), recorder], logger: Logger(label: "test.herald"))
            tasks.addTask { try await herald.run() }
            let harness = Harness(store: store, sink: sink, dispatcher: dispatcher, gateway: Gateway(store: store),
                                  account: try await store.ensureAccount(named: "acme"), bouncePort: try await listener.port())
            do { try await body(harness) } catch {
                await herald.triggerGracefulShutdown()
                await group.triggerGracefulShutdown()
                throw error
            }
            await herald.triggerGracefulShutdown()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test("the relay's answer is the status: 250 SENT, 5.1.1 / 5.2.2 / 5.7.1 UNDELIVERED with their reasons, the raw reply kept")
    func statuses() async throws {
        try await Self.run { harness in
            let expected: [(String, MessageStatus, ReasonCode?, String)] = [
                ("ann@example.com", .sent, nil, "250"), ("unknown@example.com", .undelivered, .mailboxUnknown, "550"),
                ("full@example.com", .undelivered, .mailboxFull, "552"), ("spam@example.com", .undelivered, .antiSpamRejection, "550"),
            ]
            for (to, status, reason, code) in expected {
                let id = try await harness.send(to: to)
                let record = try await harness.settle(id) { $0.status == status }
                #expect(record.status == status, "\(to)")
                #expect(record.reason == reason, "\(to)")
                #expect(record.providerStatus == code, "\(to)")
            }
        }
    }

    @Test("the message on the wire: VERP envelope sender naming the message, its id as ENVID, DSN requested with ORCPT, headers as sent")
    func wire() async throws {
        try await Self.run { harness in
            let id = try await harness.send(to: "ann@example.com", subject: "Grüße", text: "Plain only.")
            _ = try await harness.settle(id) { $0.status == .sent }
            let taken = try #require(harness.sink.messages.last)
            #expect(taken.sender == "bounces+\(id)@bounce.test")
            #expect(taken.recipients == ["ann@example.com"])
            #expect(taken.mailParameters.contains("ENVID=\(id)"))
            #expect(taken.mailParameters.contains("NOTIFY=SUCCESS,FAILURE,DELAY"))
            #expect(taken.mailParameters.contains("ORCPT=rfc822;ann@example.com"))
            #expect(taken.data.contains("From: Acme <no-reply@acme.test>\r\n"))
            #expect(taken.data.contains("Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n"))
            #expect(taken.data.contains("X-Herald-Message-Id: \(id)\r\n"))

            let rich = try await harness.send(to: "ann@example.com", text: "It ships today.", html: "<p>It ships <b>today</b>.</p>", replyTo: "support@acme.test")
            _ = try await harness.settle(rich) { $0.status == .sent }
            let stored = try await harness.message(rich)
            #expect(stored.html == "<p>It ships <b>today</b>.</p>")
            #expect(stored.replyTo == "support@acme.test")
            let alternative = try #require(harness.sink.messages.last)
            #expect(alternative.data.contains("Reply-To: support@acme.test\r\n"))
            #expect(alternative.data.contains("Content-Type: multipart/alternative; boundary="))
            #expect(alternative.data.contains("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nIt ships today.\r\n"))
            #expect(alternative.data.contains("Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n<p>It ships <b>today</b>.</p>\r\n"))
        }
    }

    @Test("a 4xx or a dropped connection is DEFERRED with next_attempt_at and tried again; defer-once then goes through")
    func deferred() async throws {
        try await Self.run { harness in
            let id = try await harness.send(to: "defer-once@example.com")
            let record = try await harness.settle(id) { $0.status == .sent }
            #expect(record.status == .sent)
            let statuses = try await harness.store.events(messageID: id).compactMap(\.kind.assertedStatus)
            #expect(statuses == [.queued, .sending, .deferred, .sending, .sent])

            let dropped = try await harness.send(to: "drop@example.com")
            _ = try await harness.settle(dropped) { $0.status == .deferred || $0.status.isFinal }
            // The dropped connection is DEFERRED / NETWORK_ERROR with its next attempt (whether the status is still DEFERRED
            // when looked at depends on how fast the retries ran: the timeline says what happened).
            let deferred = try #require(try await harness.store.events(messageID: dropped).first { $0.kind == .status(.deferred) })
            #expect(deferred.reason == .networkError)
            #expect(deferred.nextAttemptAt != nil)
        }
    }

    @Test("a hard bounce suppresses the address: the next e-mail to it is DROPPED / SUPPRESSED and never reaches the relay")
    func suppression() async throws {
        try await Self.run { harness in
            let first = try await harness.send(to: "unknown@example.com")
            _ = try await harness.settle(first) { $0.status.isFinal }
            let before = harness.sink.messages.count
            let second = try await harness.send(to: "unknown@example.com")
            let record = try await harness.message(second)
            #expect(record.status == .dropped)
            #expect(record.reason == .suppressed)
            while try await harness.dispatcher.runOnce() > 0 {}
            #expect(harness.sink.messages.count == before)
        }
    }

    @Test("List-Unsubscribe's mailto: a mail to unsubscribe+<token> opts the address out (the next e-mail is UNSUBSCRIBED); a forged token does not")
    func unsubscribeByMail() async throws {
        try await Self.run(configure: { $0.mailtoUnsubscribe = true; $0.bounceToken = BounceToken(secret: "a-secret-of-32-characters-or-so") }) { harness in
            let id = try await harness.send(to: "ann@example.com")
            _ = try await harness.settle(id) { $0.status == .sent }
            let sent = try #require(harness.sink.messages.first { $0.data.contains("X-Herald-Message-Id: \(id)") })
            // Without a public URL there is no https link: the mailto alone, and no List-Unsubscribe-Post.
            let header = try #require(sent.data.split(separator: "\r\n").first { $0.hasPrefix("List-Unsubscribe:") })
            let token = BounceToken(secret: "a-secret-of-32-characters-or-so").token(for: id)
            #expect(header == "List-Unsubscribe: <mailto:unsubscribe+\(token)@bounce.test?subject=unsubscribe>")
            #expect(!sent.data.contains("List-Unsubscribe-Post"))

            func mail(to address: String) async -> SMTPClientStateMachine.Outcome {
                await SMTPClient.send(message: "From: ann@example.com\r\nTo: \(address)\r\nSubject: unsubscribe\r\n\r\n", envelope: .init(sender: "ann@example.com", recipients: [address]),
                                      host: "127.0.0.1", port: harness.bouncePort, helloName: "mail.example.com")
            }
            // A forged token (another message's id, unsigned) opts nobody out.
            guard case .accepted = await mail(to: "unsubscribe+\(id)@bounce.test") else { Issue.record("not taken"); return }
            #expect(try await harness.store.suppressions(accountID: harness.account.id, recipient: "ann@example.com", limit: 5).isEmpty)
            // The real one: the 250 comes once the opt-out is stored.
            guard case .accepted = await mail(to: "unsubscribe+\(token)@bounce.test") else { Issue.record("not taken"); return }
            let suppressions = try await harness.store.suppressions(accountID: harness.account.id, recipient: "ann@example.com", limit: 5)
            #expect(suppressions.map(\.source) == ["unsubscribe-mail:\(id)"])
            let next = try await harness.send(to: "ann@example.com")
            #expect(try await harness.message(next).status == .unsubscribed)
        }
    }

    @Test("the bounce listener offers STARTTLS with its certificate: a relay's DSN arrives encrypted and reaches the status")
    func bounceOverTLS() async throws {
        try await Self.run(bounceTLS: true) { harness in
            let id = try await harness.send(to: "ann@example.com")
            _ = try await harness.settle(id) { $0.status == .sent }
            let report = DSNTests.postfixAction("delivered", status: "2.0.0", envid: id)
            let outcome = await SMTPClient.send(message: report, envelope: .init(sender: "", recipients: ["bounces+\(id)@bounce.test"]),
                                                host: "127.0.0.1", port: harness.bouncePort, helloName: "relay.test",
                                                security: .init(tls: .startTLS(required: true)), tls: try SMTPTLS.client(host: "127.0.0.1", caFile: TestTLS.ca))
            guard case .accepted = outcome else { Issue.record("the DSN was not taken over TLS: \(outcome)"); return }
            #expect(try await harness.message(id).status == .delivered)
        }
    }

    @Test("a relay's later DSN reaches the status: delivered is DELIVERED, failed 5.1.1 UNDELIVERED and suppressed; acknowledged once stored")
    func asynchronousBounces() async throws {
        try await Self.run { harness in
            let delivered = try await harness.send(to: "ann@example.com")
            let bounced = try await harness.send(to: "bob@example.com")
            for id in [delivered, bounced] { _ = try await harness.settle(id) { $0.status == .sent } }
            for (id, action, status, to) in [(delivered, "delivered", "2.0.0", "ann@example.com"), (bounced, "failed", "5.1.1", "bob@example.com")] {
                let report = DSNTests.postfixAction(action, status: status, envid: id).replacingOccurrences(of: "ann@example.com", with: to)
                let outcome = await SMTPClient.send(message: report, envelope: .init(sender: "", recipients: ["bounces+\(id)@bounce.test"]),
                                                    host: "127.0.0.1", port: harness.bouncePort, helloName: "relay.test")
                guard case .accepted = outcome else { Issue.record("the DSN was not taken: \(outcome)"); return }
            }
            // The listener answered 250 only after the receipts were stored: the statuses are there now.
            #expect(try await harness.message(delivered).status == .delivered)
            let failed = try await harness.message(bounced)
            #expect(failed.status == .undelivered)
            #expect(failed.reason == .mailboxUnknown)
            #expect(failed.providerError == "5.1.1")
            #expect(try await harness.store.suppressions(accountID: harness.account.id, recipient: "bob@example.com", limit: 5).count == 1)
            // Never an open relay: mail for another domain is refused.
            let relay = await SMTPClient.send(message: "Subject: x\r\n\r\nx", envelope: .init(sender: "a@b.test", recipients: ["victim@elsewhere.test"]),
                                              host: "127.0.0.1", port: harness.bouncePort, helloName: "spammer.test")
            guard case .refused(let reply, .rcpt) = relay else { Issue.record("relayed: \(relay)"); return }
            #expect(reply.code == 550)
        }
    }
}

/// Test-only certificates (Tests/Fixtures/tls/README.md).
enum TestTLS {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/tls")
    static var ca: String { folder.appendingPathComponent("ca.pem").path }
    static var otherCA: String { folder.appendingPathComponent("other-ca.pem").path }
    static var certificate: String { folder.appendingPathComponent("server.pem").path }
    static var key: String { folder.appendingPathComponent("server-key.pem").path }
}

@Suite("E-mail through an SMTP relay with TLS and AUTH, and a relay that is down", .serialized)
struct SMTPRelaySecurityTests {
    @Test("STARTTLS verified against ca_file and AUTH: SENT, and the relay saw it under TLS from the configured user")
    func startTLSAndAuth() async throws {
        try await SMTPConnectorTests.run(sinkSecurity: true, configure: {
            $0.tls = .starttls
            $0.caFile = TestTLS.ca
            $0.credentials = .init(username: "herald", password: "s3cret")
        }) { harness in
            let id = try await harness.send(to: "ann@example.com")
            let record = try await harness.settle(id) { $0.status.isFinal || $0.status == .sent }
            #expect(record.status == .sent)
            let taken = try #require(harness.sink.messages.last)
            #expect(taken.secure)
            #expect(taken.authenticatedAs == "herald")
        }
    }

    @Test("an untrusted certificate or refused credentials: the relay is down, the message waits (DEFERRED / PROVIDER_UNAVAILABLE, no attempt used) and nothing is sent in clear")
    func relayRefusesHerald() async throws {
        for (name, configure) in [("untrusted", { (c: inout SMTPConnectorConfiguration) in c.tls = .starttls; c.caFile = TestTLS.otherCA }),
                                  ("wrong password", { (c: inout SMTPConnectorConfiguration) in
                                      c.tls = .starttls; c.caFile = TestTLS.ca; c.credentials = .init(username: "herald", password: "wrong") })] {
            try await SMTPConnectorTests.run(sinkSecurity: true, configure: configure) { harness in
                let id = try await harness.send(to: "ann@example.com")
                let record = try await harness.settle(id) { $0.status == .deferred }
                #expect(record.status == .deferred, "\(name)")
                #expect(record.reason == .providerUnavailable, "\(name)")
                #expect(record.nextAttemptAt != nil, "\(name)")
                #expect(harness.sink.messages.isEmpty, "\(name)")
                let connector = try #require(harness.dispatcher.connectors.connectors.first)
                // Down for a back-off of 1 s: on a loaded machine it may be over by now, so the health says what happened.
                #expect(connector.health.detail.contains("failed connection(s) in a row"), "\(name)")
                #expect(connector.health.detail.contains(name == "untrusted" ? "TLS handshake failed" : "535"), "\(connector.health.detail)")
            }
        }
    }

    @Test("a relay that cannot be reached fails over to the next route's connector")
    func failover() async throws {
        // Port 1 on loopback: nothing listens, the connect is refused at once.
        try await SMTPConnectorTests.run(backup: true, configure: { $0.port = 1 }) { harness in
            let id = try await harness.send(to: "ann@example.com")
            let record = try await harness.settle(id) { $0.status == .sent }
            #expect(record.status == .sent)
            #expect(record.parts.first?.connector == "backup")
            #expect(harness.sink.messages.count == 1)
        }
    }
}

extension SMTPConnectorTests {
    @Test("a spam complaint (ARF) to the bounce listener: COMPLAINED on the timeline, DELIVERED implied, the address suppressed")
    func complaint() async throws {
        try await Self.run { harness in
            let id = try await harness.send(to: "ann@example.com")
            _ = try await harness.settle(id) { $0.status == .sent }
            let report = FeedbackReportTests.arf(mailFrom: "<bounces+\(id)@bounce.test>", messageID: id)
            let outcome = await SMTPClient.send(message: report, envelope: .init(sender: "", recipients: ["fbl@bounce.test"]),
                                                host: "127.0.0.1", port: harness.bouncePort, helloName: "mailbox.example")
            guard case .accepted = outcome else { Issue.record("the report was not taken: \(outcome)"); return }
            let record = try await harness.message(id)
            #expect(record.engagement.contains(.complained))
            #expect(record.status == .delivered)
            let suppressions = try await harness.store.suppressions(accountID: harness.account.id, recipient: "ann@example.com", limit: 5)
            #expect(suppressions.first?.source == "complaint:\(id)")
            let next = try await harness.send(to: "ann@example.com")
            let dropped = try await harness.message(next)
            #expect(dropped.status == .dropped)
            #expect(dropped.reason == .suppressed)
        }
    }
}

extension SMTPConnectorTests {
    @Test("with a public URL every e-mail carries List-Unsubscribe with a signed link naming it, and one-click List-Unsubscribe-Post")
    func listUnsubscribe() async throws {
        try await Self.run(publicURL: "https://herald.test") { harness in
            let id = try await harness.send(to: "ann@example.com")
            _ = try await harness.settle(id) { $0.status == .sent }
            let taken = try #require(harness.sink.messages.last)
            let header = try #require(taken.data.split(separator: "\r\n").first { $0.hasPrefix("List-Unsubscribe: ") })
            #expect(header.hasPrefix("List-Unsubscribe: <https://herald.test/t/u/\(harness.account.id).\(id)."))
            #expect(taken.data.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
            let token = String(header.dropFirst("List-Unsubscribe: <https://herald.test/t/u/".count).dropLast())
            let links = LinkSigner(publicURL: "https://herald.test") { try await harness.store.callbackSecret(accountID: $0) }
            #expect(await links.verify(.unsubscribe, token: token) == .init(accountID: harness.account.id, messageID: id))
        }
        // Without one, no header (a link nobody can reach would be worse than none).
        try await Self.run { harness in
            let id = try await harness.send(to: "ann@example.com")
            _ = try await harness.settle(id) { $0.status == .sent }
            #expect(!(harness.sink.messages.last?.data.contains("List-Unsubscribe") ?? true))
        }
    }
}

extension SMTPConnectorTests {
    @Test("custom headers and attachments on the wire: multipart/mixed around the body, each file base64 with its name")
    func attachmentsOnTheWire() async throws {
        try await Self.run { harness in
            var request = SendRequest(channel: "email", to: "ann@example.com", from: "Acme <no-reply@acme.test>", subject: "Invoice", text: "Attached.")
            request.html = "<p>Attached.</p>"
            let content = Data(repeating: 0x41, count: 100).base64EncodedString()
            request.messageOptions = MessageOptions(headers: ["X-Campaign": "winter"], attachments: [
                .init(filename: "invoice.pdf", contentType: "application/pdf", content: content),
                .init(filename: "Übersicht.txt", contentType: "text/plain", content: "SGk="),
            ])
            let id = try await harness.gateway.send([request], accountID: harness.account.id).get()[0].outcome.messageID
            _ = try await harness.settle(id) { $0.status == .sent }
            let data = try #require(harness.sink.messages.last?.data)
            #expect(data.contains("X-Campaign: winter\r\n"))
            #expect(data.contains("Content-Type: multipart/mixed; boundary=\"mixed-herald-\(id)\"\r\n"))
            #expect(data.contains("Content-Type: multipart/alternative; boundary=\"herald-\(id)\""))
            let pdfHeaders = "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"invoice.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            let pdfLines: String = String(content.prefix(76)) + "\r\n" + String(content.dropFirst(76)) + "\r\n"
            #expect(data.contains(pdfHeaders + pdfLines))
            #expect(data.contains("filename*=UTF-8''%C3%9Cbersicht.txt"))
            #expect(data.hasSuffix("--mixed-herald-\(id)--"))
        }
    }
}

extension SMTPConnectorTests {
    @Test("tracking: the HTML's http(s) links become signed /t/c/ links and a pixel loads /t/o/; mailto, the text part and untracked mail stay as written")
    func trackingOnTheWire() async throws {
        try await Self.run(publicURL: "https://herald.test") { harness in
            var request = SendRequest(channel: "email", to: "ann@example.com", from: "Acme <no-reply@acme.test>", subject: "Offer",
                                      text: "See https://acme.test/offer")
            request.html = "<html><body><a href=\"https://acme.test/offer?a=1&amp;b=2\">Offer</a> <a HREF='mailto:help@acme.test'>Help</a></body></html>"
            request.messageOptions = MessageOptions(trackOpens: true, trackClicks: true)
            let id = try await harness.gateway.send([request], accountID: harness.account.id).get()[0].outcome.messageID
            _ = try await harness.settle(id) { $0.status == .sent }
            let data = try #require(harness.sink.messages.last?.data)
            // The HTML part is quoted-printable when its lines are long: read it back.
            let html = data.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=3D", with: "=")
            #expect(html.contains("<a href=\"https://herald.test/t/c/\(harness.account.id).\(id)."))
            #expect(!html.contains("href=\"https://acme.test/offer"))
            #expect(html.contains("HREF='mailto:help@acme.test'"))
            #expect(html.contains("<img src=\"https://herald.test/t/o/\(harness.account.id).\(id)."))
            #expect(html.contains("style=\"display:none\"></body>"))
            #expect(data.contains("See https://acme.test/offer"))
            let links = LinkSigner(publicURL: "https://herald.test") { try await harness.store.callbackSecret(accountID: $0) }
            let start = try #require(html.range(of: "https://herald.test/t/c/"))
            let token = String(html[start.upperBound...].prefix { $0 != "\"" })
            #expect(await links.verify(.click, token: token)?.payload == "https://acme.test/offer?a=1&b=2")
        }
    }
}

extension SMTPConnectorTests {
    @Test("collect_replies: Reply-To names the message at the bounce domain; a reply there is an inbound message linked to it (REPLIED); mail Herald cannot read is stored whole, never dropped")
    func replies() async throws {
        try await Self.run(configure: { $0.collectReplies = true }) { harness in
            let id = try await harness.send(to: "ann@example.com")
            _ = try await harness.settle(id) { $0.status == .sent }
            #expect(harness.sink.messages.last?.data.contains("Reply-To: replies+\(id)@bounce.test\r\n") == true)
            let reply = "From: Ann <ann@example.com>\r\nTo: replies+\(id)@bounce.test\r\nSubject: Re: Your order\r\nIn-Reply-To: <\(id).1@bounce.test>\r\n\r\nThanks! STOP\r\n"
            let outcome = await SMTPClient.send(message: reply, envelope: .init(sender: "ann@example.com", recipients: ["replies+\(id)@bounce.test"]),
                                                host: "127.0.0.1", port: harness.bouncePort, helloName: "example.com")
            guard case .accepted = outcome else { Issue.record("the reply was not taken: \(outcome)"); return }
            let inbound = try await harness.store.inboundMessages(accountID: harness.account.id, before: nil, limit: 10)
            let stored = try #require(inbound.first)
            #expect(stored.inReplyTo == id)
            #expect(stored.from == "ann@example.com")
            #expect(stored.text.contains("Thanks! STOP"))
            #expect(try await harness.message(id).engagement.contains(.replied))
            // STOP in an e-mail reply is not an SMS keyword: nothing is suppressed.
            #expect(try await harness.store.suppressions(accountID: harness.account.id, recipient: "ann@example.com", limit: 5).isEmpty)

            // An unreadable "bounce" to the VERP address: stored as it came, linked, acknowledged.
            let garbage = "Subject: Undeliverable?\r\n\r\nSomething went wrong, maybe.\r\n"
            let taken = await SMTPClient.send(message: garbage, envelope: .init(sender: "", recipients: ["bounces+\(id)@bounce.test"]),
                                              host: "127.0.0.1", port: harness.bouncePort, helloName: "odd.example")
            guard case .accepted = taken else { Issue.record("not taken: \(taken)"); return }
            let all = try await harness.store.inboundMessages(accountID: harness.account.id, before: nil, limit: 10)
            #expect(all.contains { $0.text.contains("Something went wrong, maybe.") && $0.inReplyTo == id })
        }
    }
}

extension SMTPConnectorTests {
    @Test("the sink sends DSNs back: NOTIFY=SUCCESS makes SENT then DELIVERED, bounce@ SENT then UNDELIVERED / MAILBOX_UNKNOWN and suppressed")
    func sinkDSNs() async throws {
        try await Self.run { harness in
            harness.sink.sendDSNs(to: "127.0.0.1", port: harness.bouncePort)
            let delivered = try await harness.send(to: "ann@example.com")
            let bounced = try await harness.send(to: "bounce@example.com")
            let first = try await harness.settle(delivered) { $0.status == .delivered }
            #expect(first.status == .delivered)
            let second = try await harness.settle(bounced) { $0.status == .undelivered }
            #expect(second.status == .undelivered)
            #expect(second.reason == .mailboxUnknown)
            #expect(second.providerError == "5.1.1")
            let statuses = try await harness.store.events(messageID: bounced).compactMap(\.kind.assertedStatus)
            #expect(statuses.contains(.sent))
            #expect(try await harness.store.suppressions(accountID: harness.account.id, recipient: "bounce@example.com", limit: 5).count == 1)
        }
    }
}
