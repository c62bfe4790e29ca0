import Foundation
import HeraldCore
import HeraldConnectors
@testable import HeraldSMTP
import SMTP
import Testing

@Suite("Abuse feedback reports (ARF, RFC 5965)")
struct FeedbackReportTests {
    /// In the form of RFC 5965's example, as feedback loops send it: the report, then the whole reported message,
    /// whose body happens to hold a status code.
    static func arf(type: String = "abuse", mailFrom: String? = "<bounces+msg_9@bounce.test>", messageID: String = "msg_9") -> String {
        var report = [
            "From: <abusedesk@mailbox.example>", "Date: Fri, 4 Dec 2026 10:40:36 +0000", "Subject: FW: Your order", "To: <fbl@bounce.test>",
            "MIME-Version: 1.0", "Content-Type: multipart/report; report-type=feedback-report;", "     boundary=\"part1_13d.2e68ed54_boundary\"", "",
            "--part1_13d.2e68ed54_boundary", "Content-Type: text/plain; charset=\"US-ASCII\"", "Content-Transfer-Encoding: 7bit", "",
            "This is an email abuse report for an email message received from IP", "192.0.2.1 on Fri, 4 Dec 2026 10:00:00 +0000.", "",
            "--part1_13d.2e68ed54_boundary", "Content-Type: message/feedback-report", "",
            "Feedback-Type: \(type)", "User-Agent: SomeGenerator/1.0", "Version: 1",
        ]
        if let mailFrom { report.append("Original-Mail-From: \(mailFrom)") }
        report += [
            "Original-Rcpt-To: <ann@example.com>", "Arrival-Date: Fri, 4 Dec 2026 10:00:00 +0000", "Reporting-MTA: dns; mail.mailbox.example",
            "Source-IP: 192.0.2.1", "",
            "--part1_13d.2e68ed54_boundary", "Content-Type: message/rfc822", "Content-Disposition: inline", "",
            "From: Acme <no-reply@acme.test>", "Received: from relay.test (relay.test", "        [192.0.2.1]) by mail.mailbox.example with ESMTP id M63d4;",
            "        Fri, 04 Dec 2026 10:00:00 +0000", "To: <ann@example.com>", "Subject: Your order", "Message-ID: <\(messageID).1@bounce.test>",
            "X-Herald-Message-Id: \(messageID)", "Date: Fri, 04 Dec 2026 09:59:58 +0000", "",
            "Your order ships today. (This line mentions 5.1.1 and must not read as a bounce.)", "--part1_13d.2e68ed54_boundary--", "",
        ]
        return report.joined(separator: "\r\n")
    }

    static func receipts(_ data: String, to: String = "fbl@bounce.test") -> [ProviderReceipt] {
        BounceListener.receipts(for: .init(sender: "", recipients: [to], data: data, mailParameters: [], id: "t-1"), domains: ["bounce.test": "mail"], now: Date())
    }

    @Test("the report's fields and the reported message's headers are read")
    func parses() throws {
        let report = try #require(FeedbackReport.parse(Self.arf()))
        #expect(report.feedbackType == "abuse")
        #expect(report.isComplaint)
        #expect(report.userAgent == "SomeGenerator/1.0")
        #expect(report.originalMailFrom == "bounces+msg_9@bounce.test")
        #expect(report.originalRecipient == "ann@example.com")
        #expect(report.originalHeaders["x-herald-message-id"] == "msg_9")
        #expect(report.originalHeaders["message-id"] == "<msg_9.1@bounce.test>")
    }

    @Test("a complaint is one COMPLAINED receipt with SPAM_COMPLAINT for the message it names, never a bounce")
    func complaint() throws {
        let receipts = Self.receipts(Self.arf())
        #expect(receipts.count == 1)
        let receipt = try #require(receipts.first)
        #expect(receipt.providerMessageID == "msg_9")
        #expect(receipt.connector == "mail")
        #expect(receipt.kind == .engagement(.complained))
        #expect(receipt.reason == .spamComplaint)
        #expect(receipt.detail?.errorCode == "abuse")
    }

    @Test("without Original-Mail-From the reported message's own headers name it (X-Herald-Message-Id, then Message-ID)")
    func headersOnly() throws {
        let headersOnly = Self.arf(mailFrom: nil, messageID: "msg_10").replacingOccurrences(of: "Content-Type: message/rfc822", with: "Content-Type: text/rfc822-headers")
        #expect(Self.receipts(headersOnly).first?.providerMessageID == "msg_10")
        let messageIDOnly = Self.arf(mailFrom: nil, messageID: "msg_11").replacingOccurrences(of: "X-Herald-Message-Id: msg_11\r\n", with: "")
        #expect(Self.receipts(messageIDOnly).first?.providerMessageID == "msg_11")
    }

    @Test("not-spam is no complaint; a truncated report is no crash", arguments: [
        FeedbackReportTests.arf(type: "not-spam"), String(FeedbackReportTests.arf().prefix(420)), "Content-Type: message/feedback-report\r\n\r\n",
    ])
    func notComplaints(data: String) {
        #expect(Self.receipts(data).allSatisfy { $0.kind != .engagement(.complained) || data.contains("Feedback-Type: abuse") })
        #expect(!Self.receipts(Self.arf(type: "not-spam")).contains { $0.kind == .engagement(.complained) })
    }
}
