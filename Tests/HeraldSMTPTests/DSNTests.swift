import Foundation
import HeraldCore
@testable import HeraldSMTP
import SMTP
import Testing

/// Bounces in the forms real MTAs send (Postfix's RFC 3464 reports, a non-standard bounce), read into receipts.
@Suite("Delivery status notifications")
struct DSNTests {
    /// Postfix's report for a next hop that refused the recipient with 550 5.1.1 (the shape of ../shared/notes/postfix-test-relay.md).
    static func postfixFailed(envid: String, recipient: String = "ann@example.com") -> String {
        """
        Return-Path: <>\r
        From: MAILER-DAEMON@relay.test (Mail Delivery System)\r
        Subject: Undelivered Mail Returned to Sender\r
        To: bounces+\(envid)@bounce.test\r
        MIME-Version: 1.0\r
        Content-Type: multipart/report; report-type=delivery-status;\r
        \tboundary="5F2A01E0C3.1733300000/relay.test"\r
        \r
        This is a MIME-encapsulated message.\r
        \r
        --5F2A01E0C3.1733300000/relay.test\r
        Content-Description: Notification\r
        Content-Type: text/plain; charset=us-ascii\r
        \r
        I'm sorry to have to inform you that your message could not\r
        be delivered to one or more recipients.\r
        \r
        --5F2A01E0C3.1733300000/relay.test\r
        Content-Description: Delivery report\r
        Content-Type: message/delivery-status\r
        \r
        Reporting-MTA: dns; relay.test\r
        X-Postfix-Queue-ID: 5F2A01E0C3\r
        X-Postfix-Sender: rfc822; bounces+\(envid)@bounce.test\r
        Original-Envelope-Id: \(envid)\r
        Arrival-Date: Fri,  4 Dec 2026 10:00:00 +0000 (UTC)\r
        \r
        Final-Recipient: rfc822; \(recipient)\r
        Original-Recipient: rfc822;\(recipient)\r
        Action: failed\r
        Status: 5.1.1\r
        Remote-MTA: dns; 127.0.0.1\r
        Diagnostic-Code: smtp; 550 5.1.1 <\(recipient)>: Recipient address\r
            rejected: mailbox unknown\r
        \r
        --5F2A01E0C3.1733300000/relay.test\r
        Content-Description: Undelivered Message Headers\r
        Content-Type: text/rfc822-headers\r
        \r
        Subject: Your order\r
        \r
        --5F2A01E0C3.1733300000/relay.test--\r
        """
    }

    static func postfixAction(_ action: String, status: String, envid: String) -> String {
        postfixFailed(envid: envid).replacingOccurrences(of: "Action: failed", with: "Action: \(action)")
            .replacingOccurrences(of: "Status: 5.1.1", with: "Status: \(status)")
    }

    static func received(_ data: String, to: String = "bounces+msg_1@bounce.test") -> SMTPServerStateMachine.Received {
        SMTPServerStateMachine.Received(sender: "", recipients: [to], data: data, mailParameters: [], id: "t-1")
    }

    @Test("Postfix's failed report: envelope id, recipient, action, status, the remote reply unfolded")
    func parsesPostfix() throws {
        let report = try #require(DeliveryStatusNotification.parse(Self.postfixFailed(envid: "msg_1")))
        #expect(report.isStandard)
        #expect(report.envelopeID == "msg_1")
        #expect(report.reportingMTA == "relay.test")
        let recipient = try #require(report.recipients.first)
        #expect(recipient.finalRecipient == "ann@example.com")
        #expect(recipient.action == "failed")
        #expect(recipient.status?.description == "5.1.1")
        #expect(recipient.diagnostic == "550 5.1.1 <ann@example.com>: Recipient address rejected: mailbox unknown")
    }

    @Test("each action becomes its receipt: delivered DELIVERED, failed UNDELIVERED with the reason, delayed DEFERRED, relayed SENT",
          arguments: [("delivered", "2.0.0", MessageStatus.delivered, ReasonCode?.none), ("failed", "5.1.1", .undelivered, .mailboxUnknown),
                      ("failed", "5.2.2", .undelivered, .mailboxFull), ("failed", "5.7.1", .undelivered, .antiSpamRejection),
                      ("delayed", "4.4.1", .deferred, .networkError), ("relayed", "2.0.0", .sent, nil)])
    func receipts(action: String, status: String, expected: MessageStatus, reason: ReasonCode?) throws {
        let receipts = BounceListener.receipts(for: Self.received(Self.postfixAction(action, status: status, envid: "msg_7")),
                                               domains: ["bounce.test": "mail"], now: Date())
        let receipt = try #require(receipts.first)
        #expect(receipts.count == 1)
        #expect(receipt.connector == "mail")
        #expect(receipt.providerMessageID == "msg_7")
        #expect(receipt.kind == .status(expected))
        #expect(receipt.reason == reason)
        #expect(receipt.detail?.errorCode == status)
    }

    @Test("with a bounce secret only a token Herald signed is believed: a forged, altered or borrowed token changes nothing")
    func signedTokens() throws {
        let token = BounceToken(secret: "a-secret-of-32-characters-or-so")
        let messageID = HeraldID.make(.message)
        let signed = token.token(for: messageID)
        #expect(signed.hasPrefix(messageID + "."))
        #expect("bounces+\(signed)".utf8.count <= 64, "the local part stays within RFC 5321's 64 octets")
        let tokens = ["mail": token]
        let domains = ["bounce.test": "mail"]
        let byEnvid = BounceListener.receipts(for: Self.received(Self.postfixFailed(envid: signed)), domains: domains, tokens: tokens, now: Date())
        #expect(byEnvid.map(\.providerMessageID) == [messageID])
        let noEnvid = Self.postfixFailed(envid: "").replacingOccurrences(of: "Original-Envelope-Id: \r\n", with: "")
        let signature = String(signed.split(separator: ".").last!)
        // A relay that upper-cases the address's signature (hex) does not break it.
        let viaVERP = BounceListener.receipts(for: Self.received(noEnvid, to: "bounces+\(messageID).\(signature.uppercased())@bounce.test"),
                                              domains: domains, tokens: tokens, now: Date())
        #expect(viaVERP.map(\.providerMessageID) == [messageID])
        let other = HeraldID.make(.message)
        for forged in [messageID, messageID + "." + String(repeating: "0", count: 20), other + "." + signature, messageID + "." + signature.dropLast()] {
            let message = Self.received(Self.postfixFailed(envid: forged))
            #expect(BounceListener.receipts(for: message, domains: domains, tokens: tokens, now: Date()).isEmpty, "\(forged) is not believed")
            #expect(BounceListener.hasUnverifiedToken(message, domains: domains, tokens: tokens))
            let kept = try #require(BounceListener.inboundMessage(for: Self.received(Self.postfixFailed(envid: forged), to: "bounces+\(forged)@bounce.test"),
                                                                  domains: domains, tokens: tokens, now: Date()))
            #expect(kept.inReplyTo == nil, "not even linked to the message it claims")
        }
        // Without a secret the token is the message id (bounces are then not authenticated).
        #expect(BounceToken(secret: nil).token(for: messageID) == messageID)

        // Rotated: the new secret signs; a token signed before still verifies while the old secret is kept as previous.
        let rotated = BounceToken(secret: "the-new-secret-of-32-characters", previous: ["a-secret-of-32-characters-or-so"])
        #expect(rotated.messageID(in: signed) == messageID)
        #expect(rotated.token(for: messageID) != signed)
        #expect(rotated.messageID(in: rotated.token(for: messageID)) == messageID)
        #expect(BounceToken(secret: "the-new-secret-of-32-characters").messageID(in: signed) == nil, "once the old secret is dropped")
    }

    @Test("without an envelope id the VERP address names the message; a non-standard bounce is read by its status code")
    func fallbacks() throws {
        let noEnvid = Self.postfixFailed(envid: "").replacingOccurrences(of: "Original-Envelope-Id: \r\n", with: "")
        let viaVERP = BounceListener.receipts(for: Self.received(noEnvid, to: "bounces+msg_9@bounce.test"), domains: ["bounce.test": "mail"], now: Date())
        #expect(viaVERP.map(\.providerMessageID) == ["msg_9"])
        let plain = "Subject: failure notice\r\n\r\nSorry, we were unable to deliver your message to ann@example.com.\r\nRemote said: 550 5.1.1 user unknown.\r\n"
        let guessed = BounceListener.receipts(for: Self.received(plain, to: "bounces+msg_10@bounce.test"), domains: ["bounce.test": "mail"], now: Date())
        #expect(guessed.map(\.kind) == [.status(.undelivered)])
        #expect(guessed.first?.reason == .mailboxUnknown)
    }

    @Test("garbage, an empty mail, or a mail for no known message yields no receipt and no crash",
          arguments: ["", "\r\n\r\n", "Content-Type: message/delivery-status", "Content-Type: message/delivery-status\r\n\r\nAction: failed\r\nStatus: 9.9.9",
                      String(repeating: "x", count: 100_000), "--\r\n--\r\n--"])
    func hostile(data: String) {
        _ = DeliveryStatusNotification.parse(data)
        #expect(BounceListener.receipts(for: Self.received(data, to: "postmaster@bounce.test"), domains: ["bounce.test": "mail"], now: Date()).isEmpty)
    }
}

extension DSNTests {
    @Test("a report written by DeliveryStatusReport reads back field by field")
    func roundTrip() throws {
        let text = DeliveryStatusReport.render(reportingMTA: "sink.test", to: "bounces+msg_1@bounce.test", envelopeID: "msg_1", recipients: [
            .init(address: "ann@example.com", action: "failed", status: EnhancedStatusCode(statusClass: 5, subject: 1, detail: 1), diagnostic: "550 5.1.1 no"),
        ], messageID: "dsn-1@sink.test", date: "Fri, 04 Dec 2026 10:00:00 +0000", boundary: "b1")
        let report = try #require(DeliveryStatusNotification.parse(text))
        #expect(report.isStandard)
        #expect(report.envelopeID == "msg_1")
        #expect(report.recipients.first?.action == "failed")
        #expect(report.recipients.first?.status?.description == "5.1.1")
        #expect(report.recipients.first?.diagnostic == "550 5.1.1 no")
    }

    @Test("a report is read line by line whatever its line ends: CRLF, bare LF, a stray CR kept, the last line even when empty")
    func lineEnds() {
        #expect(DeliveryStatusNotification.lines("a\r\nb\nc\r\n") == ["a", "b", "c", ""])
        #expect(DeliveryStatusNotification.lines("x\ry\r\n\r\nz") == ["x\ry", "", "z"])
        #expect(DeliveryStatusNotification.lines("") == [""])
        #expect(DeliveryStatusNotification.lines("Ünïcode: é\r\n") == ["Ünïcode: é", ""])
        #expect(DeliveryStatusNotification.trim(" \t rfc822; ann@example.com \t") == "rfc822; ann@example.com")
        #expect(DeliveryStatusNotification.trim(" \t ") == "")
        #expect(DeliveryStatusNotification.trim("  é  ") == "é")
        let crlf = "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; a@b\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        let lf = crlf.replacingOccurrences(of: "\r\n", with: "\n")
        #expect(DeliveryStatusNotification.parse(crlf)?.recipients.first?.action == "failed")
        #expect(DeliveryStatusNotification.parse(lf)?.recipients.first?.status?.description == "5.1.1")
        #expect(DeliveryStatusNotification.parse("CONTENT-TYPE: Message/Delivery-Status\n\nReporting-MTA: dns; mx\n\nAction: delayed\nStatus: 4.4.1\n")?
            .recipients.first?.action == "delayed")
    }
}
