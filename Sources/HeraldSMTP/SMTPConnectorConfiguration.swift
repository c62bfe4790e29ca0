import DKIM
import NIOCore
import SMTP

/// One `"type": "smtp"` connector of the config file (docs/integrations/email.md).
public struct SMTPConnectorConfiguration: Sendable {
    /// `relay`: a smart host (the user's Postfix, a provider's SMTP endpoint) takes the message; its 250 is SENT and
    /// DSNs tell the rest. `direct` (the recipient domain's MX) is not built yet.
    public enum Mode: String, Sendable {
        case relay
        /// Herald talks to the recipient domain's MX itself; its 250 is DELIVERED.
        case direct
    }

    /// How the connection to the relay is protected.
    public enum TLSMode: String, Sendable {
        /// Plain text (a relay on the same host or a private network).
        case none
        /// STARTTLS after EHLO (port 587 or 25); see ``SMTPConnectorConfiguration/requireTLS``.
        case starttls
        /// TLS from the first byte (port 465).
        case implicit
        /// Direct mode: STARTTLS whenever the MX offers it, its certificate not verified (most MX certificates do not
        /// carry the MX's name), in clear when it does not: what MTAs do by default (RFC 7435). It keeps a passive
        /// listener out, not an active attacker.
        case opportunistic
    }

    public var name: String
    public var mode: Mode = .relay
    public var host: String
    public var port: Int
    public var tls: TLSMode = .none
    /// With `starttls`: a relay that does not offer it is not used (else the message goes in clear). Always true when
    /// Herald signs in.
    public var requireTLS = true
    /// PEM file of the certificate authorities to trust for the relay (default: the system's).
    public var caFile: String?
    /// The name the relay's certificate must carry (default: `host`; an IP address is checked as an address).
    public var tlsServerName: String?
    /// AUTH PLAIN or LOGIN, only under TLS.
    public var credentials: SMTPClientStateMachine.Credentials?
    /// The domain of the VERP envelope sender (`bounces+<message id>@bounce_domain`) and of Message-IDs.
    public var bounceDomain: String
    /// Signs the envelope sender and ENVID (`bounce_secret_env`), so that only bounces for messages Herald sent are believed.
    public var bounceToken = BounceToken(secret: nil)
    /// The name Herald gives in EHLO.
    public var helloName: String
    /// The From of a message that has none.
    public var defaultFrom: String?
    /// DKIM signers by domain: a message is signed by the one whose domain is its From domain or a parent of it.
    public var dkim: [DKIMSigner] = []
    /// Without a `reply_to` of its own, a message gets `Reply-To: replies+<message id>@<bounce_domain>`, so replies come
    /// to the bounce listener and are stored as inbound messages linked to it.
    public var collectReplies = false
    /// Add `List-Unsubscribe` with one-click `List-Unsubscribe-Post` (RFC 8058) when Herald has a public URL.
    public var listUnsubscribe = true
    /// With ``listUnsubscribe``: also a `mailto:unsubscribe+<token>@<bounce_domain>` (RFC 2369), when Herald's bounce
    /// listener takes mail for the bounce domain (`herald serve --smtp-inbound-port`).
    public var mailtoUnsubscribe = false
    /// Direct mode: domain -> its hosts instead of DNS (tests; domains routed by hand).
    public var staticMX: [String: [MXResolver.Host]] = [:]
    /// Direct mode: the DNS server to ask instead of the system's.
    public var nameserver: (address: String, port: Int)?
    /// Messages a second to one recipient domain (nil: no limit), in both modes.
    public var perDomainRate: Double?
    /// Direct mode: connections open at once to one recipient domain.
    public var perDomainConcurrency = 4
    /// Connections in use at once.
    public var concurrency: Int = 16
    /// Sessions kept open between messages (`pool_size` per server, `messages_per_connection`, `idle_timeout_ms`).
    public var pool = SMTPConnectionPool.Limits()
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

    /// What the SMTP client is told about TLS and AUTH.
    var security: SMTPClientStateMachine.Security {
        let mode: SMTPClientStateMachine.Security.TLS = switch tls {
        case .none: .none
        case .starttls: .startTLS(required: requireTLS)
        case .implicit: .implicit
        case .opportunistic: .startTLS(required: false)
        }
        return SMTPClientStateMachine.Security(tls: mode, credentials: credentials)
    }

    /// The TLS client for the relay (trust, and the name its certificate must carry); nil without TLS.
    public func makeTLS() throws -> SMTPTLS? {
        guard tls != .none else { return nil }
        return try SMTPTLS.client(host: tlsServerName ?? host, caFile: caFile, verify: tls != .opportunistic)
    }
}
