import Foundation

/// A `vonage` connector (docs/integrations/vonage.md).
public struct VonageConfiguration: Sendable, Hashable {
    public var name: String
    /// `https://rest.nexmo.com`, or a fake's address (`herald fake-provider vonage`).
    public var baseURL: String
    public var apiKey: String
    /// Sent as `api_secret`; nil: requests are signed with the signature secret instead.
    public var apiSecret: String?
    /// Checks the `sig` of delivery receipts and inbound messages (and signs requests without an API secret).
    public var signatureSecret: String
    /// The account's signature method; nil: a `sig` made with any of them is taken (each is keyed with the secret), and
    /// requests are signed with md5hash.
    public var signatureMethod: VonageSignature.Method?
    /// The sender when a message names none.
    public var from: String?
    /// Where Vonage sends delivery receipts: `{public-url}/v1/providers/{name}/status` (the request's `callback`).
    public var statusCallbackURL: String
    public var timeout: Duration
    /// How far a signed webhook's `timestamp` may be from now (replays of old webhooks are refused).
    public var timestampTolerance: TimeInterval = 300

    public init(name: String, baseURL: String = "https://rest.nexmo.com", apiKey: String, apiSecret: String?, signatureSecret: String,
                signatureMethod: VonageSignature.Method? = nil, from: String?, publicURL: String, timeout: Duration = .seconds(15)) {
        self.name = name
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.signatureSecret = signatureSecret
        self.signatureMethod = signatureMethod
        self.from = from
        self.statusCallbackURL = ProviderURLs.url(publicURL: publicURL, connector: name, kind: .status)
        self.timeout = timeout
    }

    public var smsURL: String { "\(baseURL)/sms/json" }
}
