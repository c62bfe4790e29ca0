import struct Foundation.Date

/// A named message body of an account, rendered per recipient with Mustache variables (`Hi {{name}}`).
public struct MessageTemplate: Sendable, Hashable {
    public var accountID: String
    /// Unique per account: letters, digits, `-`, `_` and `.`.
    public var name: String
    /// The channel it is meant for; nil: any.
    public var channel: Channel?
    /// E-mail subject, itself a template.
    public var subject: String?
    public var body: String
    /// E-mail HTML body, itself a template whose variables are HTML-escaped.
    public var html: String?
    public var updatedAt: Date

    public init(accountID: String, name: String, channel: Channel? = nil, subject: String? = nil, body: String, html: String? = nil, updatedAt: Date) {
        self.html = html
        self.accountID = accountID
        self.name = name
        self.channel = channel
        self.subject = subject
        self.body = body
        self.updatedAt = updatedAt
    }

    /// Whether `name` can name a template.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
