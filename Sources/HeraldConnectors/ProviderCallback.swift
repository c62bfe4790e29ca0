import Foundation
import HeraldCore

/// An HTTP request a provider made to Herald (`/v1/providers/{connector}/status` or `/inbound`), as its connector
/// needs it to check the signature and read it.
public struct ProviderCallback: Sendable {
    public enum Kind: String, Sendable {
        /// Delivery statuses of messages Herald sent.
        case status
        /// Messages subscribers sent.
        case inbound
    }

    /// One query or form parameter, in the order sent.
    public struct Parameter: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var kind: Kind
    /// `GET` or `POST`.
    public var method: String
    /// The URL the provider called, as providers sign it: Herald's public URL, the path and the query.
    public var url: String
    public var query: [Parameter]
    /// Header names lower-cased; a repeated header keeps its last value.
    public var headers: [String: String]
    public var body: [UInt8]
    public var receivedAt: Date

    public init(kind: Kind, method: String, url: String, query: [Parameter], headers: [String: String], body: [UInt8], receivedAt: Date) {
        self.kind = kind
        self.method = method
        self.url = url
        self.query = query
        self.headers = headers
        self.body = body
        self.receivedAt = receivedAt
    }
}

/// What a connector makes of a provider's callback. Pure: the intake stores, applies and answers.
public enum ProviderCallbackVerdict: Sendable {
    /// The provider's signature is missing (401) or wrong (403), or the request is not one this connector takes:
    /// counted, logged and answered, never stored or applied.
    case refused(status: Int, reason: String)
    /// Signed, but not readable: stored raw, logged, answered 400.
    case malformed(String)
    /// A handshake that carries no evidence (WhatsApp's verification GET): answered as is, not stored.
    case handshake(contentType: String, body: String)
    /// Signed and read: stored raw, then its receipts and inbound messages are recorded before the answer goes back.
    case accepted(ProviderCallbackContent)
}

/// The evidence in a signed callback and what the provider expects back.
public struct ProviderCallbackContent: Sendable {
    public var receipts: [ProviderReceipt]
    public var inbound: [InboundMessage]
    public var responseStatus: Int
    public var responseContentType: String?
    public var responseBody: String

    public init(receipts: [ProviderReceipt] = [], inbound: [InboundMessage] = [], responseStatus: Int = 200, responseContentType: String? = nil,
                responseBody: String = "") {
        self.receipts = receipts
        self.inbound = inbound
        self.responseStatus = responseStatus
        self.responseContentType = responseContentType
        self.responseBody = responseBody
    }
}

/// A connector whose provider calls Herald back over HTTP (Twilio, Vonage, WhatsApp Cloud).
public protocol ProviderCallbackHandling: Connector {
    /// Checks the provider's signature and reads the callback.
    func handle(_ callback: ProviderCallback) -> ProviderCallbackVerdict
}
