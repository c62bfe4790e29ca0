import Crypto
import Foundation

/// A signed-in browser, as its `herald_session` cookie carries it: the account, the SHA-256 of the API key it signed in
/// with, when the session ends, and a nonce. The cookie is signed with a key derived from the account's callback
/// secret, so every node accepts it without shared session state; each request still authenticates the key itself, so
/// revoking the key (or closing the account) ends its sessions at once.
///
/// `ACCOUNT.KEYHASH.EXPIRES.NONCE.SIGNATURE`, the signature 43 characters of base64url HMAC-SHA256. Pure: the caller
/// gives the secret and the time.
public struct DashboardSession: Sendable, Hashable {
    public var accountID: String
    public var keyHash: String
    public var expiresAt: Date
    public var nonce: String

    /// How long a session lasts from sign-in (an absolute limit: it is not extended by use).
    public static let lifetime: TimeInterval = 8 * 3600

    public init(accountID: String, keyHash: String, expiresAt: Date, nonce: String) {
        self.accountID = accountID
        self.keyHash = keyHash
        self.expiresAt = expiresAt
        self.nonce = nonce
    }

    /// A new session for this key, ending ``lifetime`` from `now`.
    public static func start(accountID: String, keyHash: String, now: Date) -> DashboardSession {
        var random = SystemRandomNumberGenerator()
        let nonce = Self.base64URL((0..<16).map { _ in UInt8.random(in: 0...255, using: &random) })
        return DashboardSession(accountID: accountID, keyHash: keyHash, expiresAt: now.addingTimeInterval(lifetime), nonce: nonce)
    }

    /// The cookie's value.
    public func cookie(secret: String) -> String {
        let body = "\(accountID).\(keyHash).\(Int(expiresAt.timeIntervalSince1970)).\(nonce)"
        return body + "." + Self.sign(body, purpose: "session", secret: secret)
    }

    /// The account a cookie names, before its signature can be checked (the secret is the account's).
    public static func accountID(inCookie cookie: String) -> String? {
        guard cookie.utf8.count <= 512, let first = cookie.split(separator: ".", maxSplits: 1).first, !first.isEmpty,
              first.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else { return nil }
        return String(first)
    }

    /// The session a cookie holds if it was signed with this secret and has not ended by `now`.
    public static func verify(cookie: String, secret: String, now: Date) -> DashboardSession? {
        let pieces = cookie.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard cookie.utf8.count <= 512, pieces.count == 5, let expires = Int(pieces[2]) else { return nil }
        let body = pieces[0..<4].joined(separator: ".")
        guard isValid(pieces[4], for: body, purpose: "session", secret: secret) else { return nil }
        let session = DashboardSession(accountID: pieces[0], keyHash: pieces[1], expiresAt: Date(timeIntervalSince1970: TimeInterval(expires)), nonce: pieces[3])
        return session.expiresAt > now ? session : nil
    }

    /// The token every form of this session carries (compared on each POST): only a page Herald rendered for this
    /// session has it.
    public func csrfToken(secret: String) -> String {
        Self.sign("\(accountID).\(nonce)", purpose: "csrf", secret: secret)
    }

    public func acceptsCSRF(_ token: String?, secret: String) -> Bool {
        guard let token else { return false }
        return Self.isValid(token, for: "\(accountID).\(nonce)", purpose: "csrf", secret: secret)
    }

    private static func key(_ purpose: String, secret: String) -> SymmetricKey {
        SymmetricKey(data: SHA256.hash(data: Data("herald-dashboard|\(purpose)|\(secret)".utf8)))
    }

    static func sign(_ text: String, purpose: String, secret: String) -> String {
        base64URL(Array(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key(purpose, secret: secret))))
    }

    /// Checked by swift-crypto in constant time.
    static func isValid(_ signature: String, for text: String, purpose: String, secret: String) -> Bool {
        var base64 = signature.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard signature.count == 43, let mac = Data(base64Encoded: base64) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data(text.utf8), using: key(purpose, secret: secret))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
