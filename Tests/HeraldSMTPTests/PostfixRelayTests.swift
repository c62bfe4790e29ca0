import Foundation
import HeraldCore
import HeraldStore
import Testing

/// Against a real MTA nobody here wrote: Debian's Postfix as the relay (scripts/test-postfix.sh starts a private
/// instance and sets HERALD_TEST_POSTFIX to "RELAY_PORT NEXT_HOP_PORT INBOUND_PORT BOUNCE_DOMAIN"). Postfix takes
/// every message (250: SENT), relays it to herald smtp-sink, and for the one the sink refuses writes its own RFC 3464
/// report to Herald's bounce listener: the DSNs Herald reads here are the real thing.
@Suite("E-mail through a real Postfix relay", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["HERALD_TEST_POSTFIX"] != nil, "set by scripts/test.sh when Postfix runs"))
struct PostfixRelayTests {
    static var ports: [Int] {
        let setting = ProcessInfo.processInfo.environment["HERALD_TEST_POSTFIX"] ?? ""
        return (setting.split(separator: "\n").last ?? "").split(separator: " ").prefix(3).compactMap { Int($0) }
    }

    @Test("Postfix takes both (SENT); the refused one comes back as Postfix's DSN: UNDELIVERED / MAILBOX_UNKNOWN, suppressed")
    func relayAndBounce() async throws {
        let ports = Self.ports
        try #require(ports.count == 3, "HERALD_TEST_POSTFIX is RELAY_PORT NEXT_HOP_PORT INBOUND_PORT BOUNCE_DOMAIN")
        try await SMTPConnectorTests.run(relayPort: ports[0], sinkPort: ports[1], bouncePort: ports[2]) { harness in
            let good = try await harness.send(to: "ann@example.com")
            let bad = try await harness.send(to: "unknown@example.com")
            for id in [good, bad] {
                let sent = try await harness.settle(id) { $0.status != .queued && $0.status != .sending }
                #expect(sent.status == .sent || sent.status == .undelivered, "Postfix answered \(sent.providerStatus ?? "-"): \(sent.status)")
            }
            // Postfix relays at once and reports the refusal within seconds: wait for that event, bounded.
            var bounced = try await harness.message(bad)
            for _ in 0..<600 where bounced.status != .undelivered {
                try await Task.sleep(for: .milliseconds(50))
                bounced = try await harness.message(bad)
            }
            #expect(bounced.status == .undelivered)
            #expect(bounced.reason == .mailboxUnknown)
            #expect(bounced.providerStatus == "failed")
            #expect(bounced.providerError == "5.1.1")
            #expect(try await harness.store.suppressions(accountID: harness.account.id, recipient: "unknown@example.com", limit: 5).count == 1)
            #expect(harness.sink.messages.contains { $0.recipients == ["ann@example.com"] && $0.data.contains("X-Herald-Message-Id: \(good)") })
            #expect(try await harness.message(good).status == .sent)
        }
    }
}

extension PostfixRelayTests {
    @Test("STARTTLS to Postfix with its certificate verified against ca_file: SENT, and Postfix's Received header shows ESMTPS")
    func startTLS() async throws {
        let ports = Self.ports
        try #require(ports.count == 3, "HERALD_TEST_POSTFIX is RELAY_PORT NEXT_HOP_PORT INBOUND_PORT BOUNCE_DOMAIN")
        try await SMTPConnectorTests.run(relayPort: ports[0], sinkPort: ports[1], bouncePort: ports[2], configure: {
            $0.tls = .starttls
            $0.caFile = TestTLS.ca
        }) { harness in
            let id = try await harness.send(to: "ann@example.com")
            let sent = try await harness.settle(id) { $0.status != .queued && $0.status != .sending }
            #expect(sent.status == .sent, "Postfix answered \(sent.providerStatus ?? "-"): \(sent.status) \(sent.reason?.rawValue ?? "")")
            // Postfix relays at once: wait for the sink to have it, bounded.
            for _ in 0..<200 where !harness.sink.messages.contains(where: { $0.data.contains("X-Herald-Message-Id: \(id)") }) {
                try await Task.sleep(for: .milliseconds(50))
            }
            let relayed = try #require(harness.sink.messages.first { $0.data.contains("X-Herald-Message-Id: \(id)") })
            #expect(relayed.data.contains("with ESMTPS"), "Postfix's Received header: \(relayed.data.prefix(600))")
        }
    }
}

extension PostfixRelayTests {
    /// Postfix's own log (scripts/test-postfix.sh keeps it here unless HERALD_POSTFIX_DIR moves it).
    static var log: String {
        let folder = ProcessInfo.processInfo.environment["HERALD_POSTFIX_DIR"] ?? "/tmp/herald-test-postfix"
        return (try? String(contentsOfFile: folder + "/postfix.log", encoding: .utf8)) ?? ""
    }

    @Test("messages one after another go over one kept session to Postfix: every one SENT, Postfix logs one connection")
    func keptSession() async throws {
        let ports = Self.ports
        try #require(ports.count == 3, "HERALD_TEST_POSTFIX is RELAY_PORT NEXT_HOP_PORT INBOUND_PORT BOUNCE_DOMAIN")
        let before = Self.log.utf8.count
        try await SMTPConnectorTests.run(relayPort: ports[0], sinkPort: ports[1], bouncePort: ports[2]) { harness in
            var ids: [String] = []
            for n in 1...4 {
                let id = try await harness.send(to: "kept\(n)@example.com")
                let sent = try await harness.settle(id) { $0.status != .queued && $0.status != .sending }
                #expect(sent.status == .sent, "Postfix answered \(sent.providerStatus ?? "-"): \(sent.status)")
                ids.append(id)
            }
            // Postfix logs a connection as it opens, before it takes the message: those lines are written by now,
            // give its log writer a moment, bounded.
            var connects: [Substring] = []
            for _ in 0..<100 {
                connects = Self.log.utf8.dropFirst(before).split(separator: UInt8(ascii: "\n")).map { Substring($0) }
                    .filter { $0.contains("smtpd[") && $0.contains(": connect from") }
                if !connects.isEmpty { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(connects.count == 1, "Postfix saw \(connects.count) connections for 4 messages:\n\(connects.joined(separator: "\n"))")
        }
    }
}
