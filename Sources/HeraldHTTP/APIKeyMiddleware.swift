import Crypto
import Foundation
import Hummingbird
import HeraldStore
import Synchronization

/// Authenticates `Authorization: Bearer <key>` against the stored SHA-256 hashes of API keys.
///
/// Hashes that authenticated are cached for a minute so the hot send path does not read the key table.
public struct APIKeyMiddleware: RouterMiddleware {
    public typealias Context = HeraldRequestContext
    private let store: any HeraldStore
    private let cache: Cache

    /// Accounts by key hash for a minute; the account API drops an account's entries when it changes its settings.
    public final class Cache: Sendable {
        let entries = Mutex<[String: (Account, APIKeyRole, Date)]>([:])

        public init() {}

        /// Forgets the account so the next request reads it again.
        func invalidate(accountID: String) {
            entries.withLock { $0 = $0.filter { $0.value.0.id != accountID } }
        }
    }

    public init(store: any HeraldStore, cache: Cache = Cache()) {
        self.store = store
        self.cache = cache
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw APIProblem.unauthorized("missing Authorization header") }
        let prefix = "Bearer "
        guard header.hasPrefix(prefix), header.count > prefix.count else {
            throw APIProblem.unauthorized("Authorization header is not 'Bearer <key>'")
        }
        let key = String(header.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
        let hash = APIKeys.hash(key)
        let now = Date()
        var context = context
        if let cached = cache.entries.withLock({ $0[hash] }), cached.2 > now {
            context.account = cached.0
            context.role = cached.1
        } else if let (account, role) = try await store.authenticate(keyHash: hash) {
            cache.entries.withLock { $0[hash] = (account, role, now.addingTimeInterval(60)) }
            context.account = account
            context.role = role
        } else {
            throw APIProblem.unauthorized("unknown API key")
        }
        return try await next(request, context)
    }
}

/// API key creation and hashing. Keys are shown once; only their SHA-256 is stored.
public enum APIKeys {
    public static func hash(_ key: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(key.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Creates a key for the account, stores its hash and returns the key.
    public static func create(for account: Account, role: APIKeyRole = .account, store: any HeraldStore) async throws -> String {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        let secret = String((0..<32).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        let key = "hk_" + secret
        try await store.addAPIKey(hash: hash(key), prefix: String(key.prefix(7)), accountID: account.id, role: role)
        return key
    }
}
