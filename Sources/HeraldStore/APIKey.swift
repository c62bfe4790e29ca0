import Foundation

/// What a key may see: its own account, or (operator) every account, the connectors and the metrics.
public enum APIKeyRole: String, Sendable, Hashable, CaseIterable {
    case account
    case `operator`
}

/// What a key may do within what its role lets it see.
public enum APIKeyScope: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Send and cancel messages, run campaigns.
    case send
    /// Read messages, events, campaigns and the account's configuration.
    case read
    /// Change the account's configuration: webhooks, templates, suppressions, DND, settings, keys.
    case admin

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The stored form: names joined by commas, in catalogue order.
    public static func text(_ scopes: Set<APIKeyScope>) -> String {
        scopes.sorted().map(\.rawValue).joined(separator: ",")
    }

    /// Reads the stored form; names it does not know are left out (a key never gains a scope by a typo).
    public static func parse(_ text: String) -> Set<APIKeyScope> {
        Set(text.split(separator: ",").compactMap { APIKeyScope(rawValue: String($0)) })
    }
}

/// An API key as stored: everything but the secret itself, of which only the SHA-256 is kept.
public struct APIKey: Sendable, Hashable {
    public var id: String
    /// The key's first characters (`hk_Ab3d`), to tell keys apart in lists.
    public var prefix: String
    public var accountID: String
    public var role: APIKeyRole
    public var scopes: Set<APIKeyScope>
    /// The owner's label for it ("ci", "billing service").
    public var name: String?
    /// Requests a second this key may make (its bucket holds one second of them); nil: no limit.
    public var rateLimit: Int?
    public var createdAt: Date
    /// When it stopped working; nil: it works.
    public var revokedAt: Date?

    public init(id: String, prefix: String, accountID: String, role: APIKeyRole, scopes: Set<APIKeyScope> = Set(APIKeyScope.allCases),
                name: String? = nil, rateLimit: Int? = nil, createdAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.prefix = prefix
        self.accountID = accountID
        self.role = role
        self.scopes = scopes
        self.name = name
        self.rateLimit = rateLimit
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}
