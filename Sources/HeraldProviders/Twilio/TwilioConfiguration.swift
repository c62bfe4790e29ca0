import Foundation

/// A `twilio` connector (docs/integrations/twilio.md).
public struct TwilioConfiguration: Sendable, Hashable {
    public var name: String
    /// `https://api.twilio.com`, or a fake's address (`herald fake-provider twilio`).
    public var baseURL: String
    public var accountSID: String
    /// The account's auth token (from the environment variable `auth_token_env` names): the API's password and the key of
    /// Twilio's callback signatures.
    public var authToken: String
    /// The sender when a message names none (a Twilio number), unless a messaging service picks it.
    public var from: String?
    public var messagingServiceSID: String?
    /// Where Twilio posts statuses: `{public-url}/v1/providers/{name}/status`.
    public var statusCallbackURL: String
    public var timeout: Duration

    public init(name: String, baseURL: String = "https://api.twilio.com", accountSID: String, authToken: String, from: String?,
                messagingServiceSID: String? = nil, publicURL: String, timeout: Duration = .seconds(15)) {
        self.name = name
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.accountSID = accountSID
        self.authToken = authToken
        self.from = from
        self.messagingServiceSID = messagingServiceSID
        self.statusCallbackURL = ProviderURLs.url(publicURL: publicURL, connector: name, kind: .status)
        self.timeout = timeout
    }

    /// `POST` here creates a message.
    public var messagesURL: String { "\(baseURL)/2010-04-01/Accounts/\(accountSID)/Messages.json" }
}
