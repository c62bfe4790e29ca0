import Foundation
import HeraldCore

/// One part of a message handed to a provider, or the whole message for a connector that takes whole messages
/// (``Connector/takesWholeMessage``).
public struct Submission: Sendable, Hashable {
    /// `part` of a submission that carries every pending part of the message at once.
    public static let wholeMessage = -1

    public var messageID: String
    /// The part, or ``wholeMessage``.
    public var part: Int
    public var partCount: Int
    public var channel: Channel
    public var to: String
    public var from: String?
    public var subject: String?
    public var text: String
    /// 1 for the first try.
    public var attempt: Int
    public var validUntil: Date
    /// E-mail: the HTML body and the Reply-To address.
    public var html: String?
    public var replyTo: String?
    /// E-mail: custom headers, attachments, tracking.
    public var messageOptions: MessageOptions?
    /// The account that sent it (for links that name it, such as an e-mail's one-click unsubscribe).
    public var accountID: String?

    public init(messageID: String, part: Int, partCount: Int, channel: Channel, to: String, from: String?, subject: String?, text: String, attempt: Int, validUntil: Date) {
        self.messageID = messageID
        self.part = part
        self.partCount = partCount
        self.channel = channel
        self.to = to
        self.from = from
        self.subject = subject
        self.text = text
        self.attempt = attempt
        self.validUntil = validUntil
    }
}

/// What a provider said to a submission.
public enum SubmitResult: Sendable, Hashable {
    /// Taken: ACCEPTED, and the provider id is correlated with the part.
    case accepted(providerMessageID: String, detail: ProviderDetail?)
    /// A whole message taken as several provider messages, one id per part the provider made, in order (Vonage):
    /// ACCEPTED; when the provider made as many parts as Herald, each id is correlated with its part, otherwise every
    /// id with the whole message.
    case acceptedParts(providerMessageIDs: [String], detail: ProviderDetail?)
    /// Try later (throttled, queue full, provider down): DEFERRED and retried while validity lasts.
    case temporaryFailure(ReasonCode, detail: ProviderDetail?)
    /// Taken and passed on at once (an e-mail relay's 250): SENT, correlated like ``accepted(providerMessageID:detail:)``.
    case sent(providerMessageID: String, detail: ProviderDetail?)
    /// Taken by the recipient's own mail server (an MX's 250 in direct e-mail delivery): DELIVERED, correlated like
    /// ``accepted(providerMessageID:detail:)``.
    case delivered(providerMessageID: String, detail: ProviderDetail?)
    /// Refused for good: FAILED with the reason.
    case permanentFailure(ReasonCode, detail: ProviderDetail?)
    /// The recipient's side refused it for good while it was being handed over (an SMTP 5xx to RCPT or DATA): UNDELIVERED.
    case undeliverable(ReasonCode, detail: ProviderDetail?)
    /// Not handed to the provider at all because the connector cannot reach it now (no bound session): nothing
    /// was sent, so it is not an attempt. The message waits for the connector (or fails over to another route).
    case unavailable(detail: ProviderDetail?)
}

/// The contract every provider integration follows.
///
/// ``submit(_:)`` answers accept or reject for one part; delivery reports come back later, on their own,
/// through the ``ReceiptSink`` the connector was built with, and the engine correlates them.
public protocol Connector: Sendable {
    /// Unique name; receipts and correlations are keyed by it.
    var name: String { get }
    /// The channels this connector carries.
    var channels: Set<Channel> { get }
    func submit(_ submission: Submission) async -> SubmitResult
    /// Whether it can take submissions now, for operators (`GET /v1/connectors`).
    var health: ConnectorHealth { get }
    /// Whether it can take submissions now (what the dispatcher asks per message; cheaper than ``health``).
    var isUp: Bool { get }
    /// The forms of a provider id (as ``submit(_:)`` returned it) under which a receipt that arrived before the
    /// submit response may have been parked. Connectors whose providers write ids one way return `[id]`.
    func matchKeys(forProviderID id: String) -> [String]
    /// Whether the provider splits long texts itself and answers with one id for the whole message (HTTP messaging
    /// APIs): the dispatcher then submits the pending parts' text once, as ``Submission/wholeMessage``, and the
    /// provider's receipts apply to every part. SMPP connectors submit part by part.
    var takesWholeMessage: Bool { get }
}

extension Connector {
    public var isUp: Bool { health.isUp }

    public func matchKeys(forProviderID id: String) -> [String] { [id] }

    public var takesWholeMessage: Bool { false }

    public var health: ConnectorHealth {
        ConnectorHealth(name: name, type: "custom", channels: channels.map(\.rawValue).sorted(), isUp: true, detail: "")
    }
}

/// A connector's state as operators see it.
public struct ConnectorHealth: Sendable, Hashable, Encodable {
    public var name: String
    /// `simulator`, `smpp`, ...
    public var type: String
    public var channels: [String]
    public var isUp: Bool
    /// A sentence: sessions bound, address.
    public var detail: String
    /// Its sessions, for connectors that keep some (SMPP binds); empty for the others.
    public var sessions: [SessionHealth]

    public init(name: String, type: String, channels: [String], isUp: Bool, detail: String, sessions: [SessionHealth] = []) {
        self.name = name
        self.type = type
        self.channels = channels
        self.isUp = isUp
        self.detail = detail
        self.sessions = sessions
    }

    enum CodingKeys: String, CodingKey {
        case name, type, channels, isUp = "up", detail, sessions
    }
}
