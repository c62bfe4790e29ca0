import Hummingbird
import HeraldStore

/// Request context of the API: the core storage plus the account the API key authenticated.
public struct HeraldRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``APIKeyMiddleware`` on every `/v1` route.
    public var account: Account?
    /// The key's role (set with ``account``).
    public var role: APIKeyRole = .account

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

    /// Batches of 1,000 messages fit comfortably.
    public var maxUploadSize: Int { 8 * 1024 * 1024 }

    /// The authenticated account; the middleware guarantees it on `/v1` routes.
    func requireAccount() throws -> Account {
        guard let account else { throw APIProblem.unauthorized("missing API key") }
        return account
    }
}
