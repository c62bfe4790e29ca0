import NIOCore

/// One `"type": "smtp"` connector of the config file (docs/integrations/email.md).
public struct SMTPConnectorConfiguration: Sendable {
    /// `relay`: a smart host (the user's Postfix, a provider's SMTP endpoint) takes the message; its 250 is SENT and
    /// DSNs tell the rest. `direct` (the recipient domain's MX) is not built yet.
    public enum Mode: String, Sendable {
        case relay
    }

    public var name: String
    public var mode: Mode = .relay
    public var host: String
    public var port: Int
    /// The domain of the VERP envelope sender (`bounces+<message id>@bounce_domain`) and of Message-IDs.
    public var bounceDomain: String
    /// The name Herald gives in EHLO.
    public var helloName: String
    /// The From of a message that has none.
    public var defaultFrom: String?
    /// Connections open at once.
    public var concurrency: Int = 16
    /// Each step of the SMTP dialogue must be answered within this.
    public var timeout: TimeAmount = .seconds(60)
    public var connectTimeout: TimeAmount = .seconds(10)

    public init(name: String, host: String, port: Int, bounceDomain: String, helloName: String? = nil) {
        self.name = name
        self.host = host
        self.port = port
        self.bounceDomain = bounceDomain
        self.helloName = helloName ?? bounceDomain
    }
}
