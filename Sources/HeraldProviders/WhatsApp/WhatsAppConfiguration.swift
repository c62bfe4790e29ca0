import Foundation

/// A `whatsapp` connector (docs/integrations/whatsapp.md): Meta's WhatsApp Cloud API.
public struct WhatsAppConfiguration: Sendable, Hashable {
    public var name: String
    /// `https://graph.facebook.com`, or a fake's address (`herald fake-provider whatsapp`).
    public var baseURL: String
    /// The Graph API version in the path, e.g. `v21.0`.
    public var apiVersion: String
    public var phoneNumberID: String
    public var accessToken: String
    /// Key of `X-Hub-Signature-256` on every notification.
    public var appSecret: String
    /// What Meta's verification GET must echo (`hub.verify_token`).
    public var verifyToken: String
    public var timeout: Duration

    public init(name: String, baseURL: String = "https://graph.facebook.com", apiVersion: String = "v21.0", phoneNumberID: String, accessToken: String,
                appSecret: String, verifyToken: String, timeout: Duration = .seconds(15)) {
        self.name = name
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiVersion = apiVersion
        self.phoneNumberID = phoneNumberID
        self.accessToken = accessToken
        self.appSecret = appSecret
        self.verifyToken = verifyToken
        self.timeout = timeout
    }

    public var messagesURL: String { "\(baseURL)/\(apiVersion)/\(phoneNumberID)/messages" }
}
