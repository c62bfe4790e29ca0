import Foundation
import HeraldCore
import HeraldStore
import Hummingbird

/// The body of `POST /v1/keys`.
struct KeyRequestJSON: Decodable, StrictBody {
    /// The account's name; an operator key may name any account, an account key only its own (the default).
    var account: String?
    var role: String?
    var scopes: [String]?
    var name: String?
    var rateLimit: Int?

    enum CodingKeys: String, CodingKey { case account, role, scopes, name, rateLimit = "rate_limit" }
    static let fields: [String: BodyField] = ["account": .value, "role": .value, "scopes": .value, "name": .value, "rate_limit": .value]
}

/// The body of `POST /v1/accounts`.
struct AccountRequestJSON: Decodable, StrictBody {
    var name: String?
    static let fields: [String: BodyField] = ["name": .value]
}

/// A key as the API shows it: the secret only in the answer that created it.
struct KeyJSON: Encodable {
    var id: String
    var prefix: String
    var accountID: String
    var role: String
    var scopes: [String]
    var name: String?
    var rateLimit: Int?
    var createdAt: String
    var revokedAt: String?
    var key: String?

    init(_ key: APIKey, secret: String? = nil) {
        id = key.id
        prefix = key.prefix
        accountID = key.accountID
        role = key.role.rawValue
        scopes = key.scopes.sorted().map(\.rawValue)
        name = key.name
        rateLimit = key.rateLimit
        createdAt = Timestamp.format(key.createdAt)
        revokedAt = key.revokedAt.map(Timestamp.format)
        self.key = secret
    }

    enum CodingKeys: String, CodingKey {
        case id, prefix, role, scopes, name, key
        case accountID = "account_id", rateLimit = "rate_limit", createdAt = "created_at", revokedAt = "revoked_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(prefix, forKey: .prefix)
        try container.encode(accountID, forKey: .accountID)
        try container.encode(role, forKey: .role)
        try container.encode(scopes, forKey: .scopes)
        try container.encode(name, forKey: .name)
        try container.encode(rateLimit, forKey: .rateLimit)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(revokedAt, forKey: .revokedAt)
        try container.encodeIfPresent(key, forKey: .key)
    }
}

extension HeraldAPI {
    /// Account names: what `herald keys create --account` and the dashboard show.
    static func accountNameProblem(_ name: String?) -> FieldError? {
        guard let name, !name.isEmpty else { return FieldError(field: "name", problem: "name is missing", fix: "name the account, e.g. \"acme\"") }
        let allowed = name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
        guard allowed, name.count <= 64 else {
            return FieldError(field: "name", problem: "'\(name)' is not an account name",
                              fix: "use 1 to 64 characters: letters, digits, '.', '_' and '-'")
        }
        return nil
    }

    /// `POST /v1/keys`: a new key; the answer is the only place its secret is ever shown.
    @Sendable func createKey(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let body: KeyRequestJSON = try await Self.decode(request, context: context)
        let (secret, key) = try await issueKey(account: body.account, role: body.role, scopes: body.scopes, name: body.name, rateLimit: body.rateLimit,
                                               context: context)
        return try Self.encode(KeyJSON(key, secret: secret), status: .created)
    }

    /// Makes a key as the calling key may (the API's and the dashboard's one rule): an account key only for its own
    /// account, never an operator key, never a scope it lacks; an operator key for any open account. Refusals are
    /// problems naming the field.
    public func issueKey(account name: String?, role roleName: String?, scopes scopeNames: [String]?, name label: String?, rateLimit: Int?,
                         context: HeraldRequestContext) async throws -> (secret: String, key: APIKey) {
        let caller = try context.requireAccount()
        let isOperator = context.role == .operator
        var account = caller
        if let name, name != caller.name {
            guard isOperator else {
                throw APIProblem(status: .forbidden, type: "operator-only", title: "Operator key required", detail: "an account key makes keys for its own account only",
                                 field: "account", fix: "leave account out, or use an operator key (herald keys create --role operator)")
            }
            guard let named = try await store.account(named: name), named.disabledAt == nil else {
                throw APIProblem.invalid(FieldError(field: "account", problem: "no open account named '\(name)'", fix: "create it first with POST /v1/accounts"))
            }
            account = named
        }
        var role = APIKeyRole.account
        if let raw = roleName {
            guard let known = APIKeyRole(rawValue: raw) else {
                throw APIProblem.invalid(FieldError(field: "role", problem: "'\(raw)' is not a role", fix: "use account or operator"))
            }
            guard known == .account || isOperator else {
                throw APIProblem(status: .forbidden, type: "operator-only", title: "Operator key required", detail: "only an operator key makes operator keys",
                                 field: "role", fix: "use role account, or an operator key")
            }
            role = known
        }
        var scopes = Set(APIKeyScope.allCases)
        if let raw = scopeNames {
            scopes = []
            for word in raw {
                guard let scope = APIKeyScope(rawValue: word) else {
                    throw APIProblem.invalid(FieldError(field: "scopes", problem: "'\(word)' is not a scope", fix: "use send, read and admin"))
                }
                scopes.insert(scope)
            }
            guard !scopes.isEmpty else { throw APIProblem.invalid(FieldError(field: "scopes", problem: "a key with no scope can do nothing", fix: "give at least one of send, read, admin")) }
        }
        // A key never hands out more than it has.
        if !isOperator, let mine = context.key?.scopes, let extra = scopes.subtracting(mine).sorted().first {
            throw APIProblem(status: .forbidden, type: "missing-scope", title: "Scope required", detail: "this key cannot give the scope '\(extra.rawValue)' it does not have",
                             field: "scopes", fix: "ask only for scopes this key has: \(APIKeyScope.text(mine))")
        }
        if let error = FieldLimits.check(label, field: "name", limit: 100) { throw APIProblem.invalid(error) }
        if let limit = rateLimit, !(1...1_000_000).contains(limit) {
            throw APIProblem.invalid(FieldError(field: "rate_limit", problem: "rate_limit \(limit) is out of range", fix: "use 1 to 1000000 requests a second, or leave it out for none"))
        }
        return try await APIKeys.make(for: account, role: role, scopes: scopes, name: label.flatMap { $0.isEmpty ? nil : $0 }, rateLimit: rateLimit, store: store)
    }

    /// `GET /v1/keys`: the account's keys (an operator's: every account's, or `?account=NAME`'s), revoked ones too.
    @Sendable func listKeys(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let caller = try context.requireAccount()
        var accountID: String? = caller.id
        if context.role == .operator {
            accountID = nil
            if let name = request.uri.queryParameters["account"].map(String.init) {
                guard let named = try await store.account(named: name) else { throw APIProblem.badQuery("account", "no account named '\(name)'", fix: "use a name from GET /v1/accounts") }
                accountID = named.id
            }
        } else if request.uri.queryParameters["account"] != nil {
            throw APIProblem(status: .forbidden, type: "operator-only", title: "Operator key required", detail: "an account key lists its own account's keys",
                             field: "account", fix: "leave account out, or use an operator key")
        }
        let keys = try await store.apiKeys(accountID: accountID)
        return try Self.encode(["data": keys.map { KeyJSON($0) }])
    }

    /// `DELETE /v1/keys/{id}`: the key stops working at once, on every node; the answer shows it revoked.
    @Sendable public func revokeKey(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let caller = try context.requireAccount()
        let id = try context.parameters.require("id")
        guard let key = try await store.revokeAPIKey(id: id, accountID: context.role == .operator ? nil : caller.id, at: Date()) else {
            throw APIProblem.notFound("key", id: id)
        }
        keyCache.invalidate()
        return try Self.encode(KeyJSON(key))
    }

    /// `POST /v1/accounts` (operator): a new account, to make keys for.
    @Sendable func createAccount(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        try context.requireOperator("creating accounts")
        let body: AccountRequestJSON = try await Self.decode(request, context: context)
        if let error = Self.accountNameProblem(body.name) { throw APIProblem.invalid(error) }
        let name = body.name ?? ""
        if try await store.account(named: name) != nil {
            throw APIProblem(status: .conflict, type: "account-exists", title: "Account exists", detail: "an account named '\(name)' exists",
                             field: "name", fix: "choose another name, or make a key for it with POST /v1/keys {\"account\":\"\(name)\"}")
        }
        let account = try await store.ensureAccount(named: name)
        return try Self.encode(AccountJSON(account, currency: gateway.prices.currency), status: .created)
    }

    /// `GET /v1/accounts` (operator): every account, closed ones too.
    @Sendable func listAccounts(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        try context.requireOperator("the list of accounts")
        let accounts = try await store.accounts()
        return try Self.encode(["data": accounts.map { AccountJSON($0, currency: gateway.prices.currency) }])
    }

    /// `DELETE /v1/accounts/{id}` (operator): closes the account; its keys stop working at once, its messages stay.
    @Sendable func disableAccount(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let caller = try context.requireAccount()
        try context.requireOperator("closing accounts")
        let id = try context.parameters.require("id")
        guard id != caller.id else {
            throw APIProblem(status: .conflict, type: "own-account", title: "Own account", detail: "this key belongs to account \(id): closing it would lock you out",
                             field: "id", fix: "close it with an operator key of another account")
        }
        guard let account = try await store.disableAccount(id: id, at: Date()) else { throw APIProblem.notFound("account", id: id) }
        keyCache.invalidate()
        return try Self.encode(AccountJSON(account, currency: gateway.prices.currency))
    }
}
