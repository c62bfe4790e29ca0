import struct Foundation.Data
import struct Foundation.Date

/// A provider's webhook exactly as it arrived (a Twilio status callback, a Vonage receipt, a WhatsApp notification),
/// kept as evidence before Herald acknowledges it.
public struct ProviderWebhookRecord: Sendable, Hashable {
    public var id: String
    public var connector: String
    /// `status` or `inbound` (the URL it came to).
    public var kind: String
    public var receivedAt: Date
    public var method: String
    /// The query string as sent (Vonage may send receipts as a GET), nil when none.
    public var query: String?
    public var contentType: String?
    public var body: Data

    public init(id: String, connector: String, kind: String, receivedAt: Date, method: String, query: String?, contentType: String?, body: Data) {
        self.id = id
        self.connector = connector
        self.kind = kind
        self.receivedAt = receivedAt
        self.method = method
        self.query = query
        self.contentType = contentType
        self.body = body
    }
}
