import Hummingbird
import HeraldStore

/// Request context of the API: the core storage plus the account the API key authenticated.
public struct HeraldRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``APIKeyMiddleware`` on every `/v1` route.
    public var account: Account?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        account = nil
    }

    /// Batches of 1,000 messages fit comfortably.
    public var maxUploadSize: Int { 8 * 1024 * 1024 }

    /// The authenticated account; the middleware guarantees it on `/v1` routes.
    func requireAccount() throws -> Account {
        guard let account else { throw APIProblem.unauthorized("missing API key") }
        return account
    }
}
