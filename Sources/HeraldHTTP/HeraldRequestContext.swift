import Hummingbird
import HeraldStore

/// Request context of the API: the core storage plus the account the API key authenticated.
public struct HeraldRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``APIKeyMiddleware`` on every `/v1` route.
    public var account: Account?
    /// The key that authenticated (set with ``account``).
    public var key: APIKey?
    /// The key's role.
    public var role: APIKeyRole { key?.role ?? .account }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        account = nil
    }

    /// Refuses an account key where an operator key is needed (what it would show concerns every account).
    func requireOperator(_ what: String) throws {
        _ = try requireAccount()
        guard role == .operator else {
            throw APIProblem(status: .forbidden, type: "operator-only", title: "Operator key required",
                             detail: "\(what) concerns every account, so only an operator key may read it",
                             fix: "use a key made with: herald keys create --account NAME --role operator")
        }
    }

    /// Refuses a key without the scope the route needs.
    func require(_ scope: APIKeyScope) throws {
        guard let key, !key.scopes.contains(scope) else { return }
        throw APIProblem(status: .forbidden, type: "missing-scope", title: "Scope required",
                         detail: "key \(key.prefix)… has the scopes [\(APIKeyScope.text(key.scopes))]; this route needs '\(scope.rawValue)'",
                         fix: "use a key with the '\(scope.rawValue)' scope (POST /v1/keys with \"scopes\")")
    }

    /// How large a body may be (set by ``RequestLimitMiddleware`` from `herald serve`'s options).
    public var limits = RequestLimits()

    /// The authenticated account; the middleware guarantees it on `/v1` routes.
    func requireAccount() throws -> Account {
        guard let account else { throw APIProblem.unauthorized("missing API key") }
        return account
    }
}
