/// Writes a delivery status notification (RFC 3464: `multipart/report; report-type=delivery-status`), as a relay
/// sends it back to a message's envelope sender: a human-readable part and the `message/delivery-status` part.
public enum DeliveryStatusReport {
    public struct Recipient: Sendable, Hashable {
        public var address: String
        /// `delivered`, `failed`, `delayed`, `relayed`, `expanded`.
        public var action: String
        public var status: EnhancedStatusCode
        /// The remote server's reply, if there was one (`Diagnostic-Code: smtp; ...`).
        public var diagnostic: String?

        public init(address: String, action: String, status: EnhancedStatusCode, diagnostic: String? = nil) {
            self.address = address
            self.action = action
            self.status = status
            self.diagnostic = diagnostic
        }
    }

    /// The whole message, lines ending in CRLF.
    public static func render(reportingMTA: String, to sender: String, envelopeID: String?, recipients: [Recipient], messageID: String,
                              date: String, boundary: String) -> String {
        var out = "From: Mail Delivery System <mailer-daemon@\(reportingMTA)>\r\n"
        out += "To: <\(sender)>\r\n"
        out += "Subject: Delivery Status Notification\r\n"
        out += "Date: \(date)\r\nMessage-ID: <\(messageID)>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        out += "Content-Type: multipart/report; report-type=delivery-status; boundary=\"\(boundary)\"\r\n\r\n"
        out += "--\(boundary)\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        for recipient in recipients {
            out += "<\(recipient.address)>: \(recipient.action) (\(recipient.status))\(recipient.diagnostic.map { ": \($0)" } ?? "")\r\n"
        }
        out += "\r\n--\(boundary)\r\nContent-Type: message/delivery-status\r\n\r\n"
        out += "Reporting-MTA: dns; \(reportingMTA)\r\n"
        if let envelopeID { out += "Original-Envelope-Id: \(envelopeID)\r\n" }
        for recipient in recipients {
            out += "\r\nFinal-Recipient: rfc822; \(recipient.address)\r\nAction: \(recipient.action)\r\nStatus: \(recipient.status)\r\n"
            if let diagnostic = recipient.diagnostic { out += "Diagnostic-Code: smtp; \(MIMEMessage.clean(diagnostic))\r\n" }
        }
        out += "\r\n--\(boundary)--\r\n"
        return out
    }
}
