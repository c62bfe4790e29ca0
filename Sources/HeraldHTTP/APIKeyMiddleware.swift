import Crypto
import Foundation
import HeraldCore
import Hummingbird
import HeraldStore

/// Authenticates `Authorization: Bearer <key>` against the stored SHA-256 hashes of API keys, then applies the key's rate
/// limit.
///
/// Keys are remembered in a ``KeyCache`` that forgets them as soon as this node revokes a key or closes an account, and
/// within 200 ms when another process does.
public struct APIKeyMiddleware: RouterMiddleware {
    public typealias Context = HeraldRequestContext
    private let store: any HeraldStore
    private let limiter: KeyRateLimiter
    private let cache: KeyCache

    public init(store: any HeraldStore, limiter: KeyRateLimiter = KeyRateLimiter(), cache: KeyCache = KeyCache()) {
        self.store = store
        self.limiter = limiter
        self.cache = cache
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw APIProblem.unauthorized("missing Authorization header") }
        let prefix = "Bearer "
        guard header.hasPrefix(prefix), header.count > prefix.count else {
            throw APIProblem.unauthorized("Authorization header is not 'Bearer <key>'")
        }
        // Optional whitespace around the key is spaces and tabs (RFC 9110 OWS); trimmed as bytes, not through NSString.
        let isOWS: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        var bytes = header.utf8.dropFirst(prefix.utf8.count)
        while let first = bytes.first, isOWS(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, isOWS(last) { bytes = bytes.dropLast() }
        let secret = String(decoding: bytes, as: UTF8.self)
        guard let (account, key) = try await cache.authenticate(keyHash: APIKeys.hash(secret), store: store) else {
            throw APIProblem.unauthorized("unknown or revoked API key")
        }
        if let wait = limiter.admit(key) {
            var problem = APIProblem(status: .tooManyRequests, type: "rate-limited", title: "Too many requests",
                                     detail: "key \(key.prefix)… may make \(key.rateLimit ?? 0) requests a second",
                                     fix: "retry after \(wait) s, send batches (POST /v1/messages/batch), or raise the key's rate_limit")
            problem.retryAfter = wait
            throw problem
        }
        var context = context
        context.account = account
        context.key = key
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

    /// Creates a key for the account, stores its hash and returns the secret (shown once) with the stored record.
    public static func make(for account: Account, role: APIKeyRole = .account, scopes: Set<APIKeyScope> = Set(APIKeyScope.allCases),
                            name: String? = nil, rateLimit: Int? = nil, store: any AccountStore) async throws -> (secret: String, key: APIKey) {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        let secret = "hk_" + String((0..<32).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        let key = APIKey(id: HeraldID.make(.key), prefix: String(secret.prefix(7)), accountID: account.id, role: role, scopes: scopes,
                         name: name, rateLimit: rateLimit, createdAt: Date())
        try await store.addAPIKey(hash: hash(secret), key: key)
        return (secret, key)
    }

    /// Creates a key with every scope for the account and returns the secret.
    public static func create(for account: Account, role: APIKeyRole = .account, store: any AccountStore) async throws -> String {
        try await make(for: account, role: role, store: store).secret
    }
}
