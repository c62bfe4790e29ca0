import Crypto
import HeraldCore
import Foundation
import Synchronization

/// Links in messages that point back at Herald (`{public-url}/t/u/{token}`, the one-click unsubscribe of RFC 8058),
/// signed so that only Herald can make one and each names exactly the account and message it was made for. The key
/// is derived from the account's callback secret (so it is the same on every node and survives restarts; rotating the
/// secret retires the account's old links), and from the link's purpose (a token for one use is never valid for
/// another).
///
/// A token is `ACCOUNT.MESSAGE.SIGNATURE[.PAYLOAD]`: the ids as Herald writes them (letters, digits and `_`), 32
/// characters of base64url HMAC-SHA256 over the purpose, the ids and the payload, and the payload (a click's target
/// URL) in base64url. A click link therefore redirects only to the URL signed into it: never an open redirect.
public final class LinkSigner: Sendable {
    public enum Purpose: String, Sendable {
        case unsubscribe = "u"
        /// The open pixel.
        case open = "o"
        /// A rewritten link; the payload is its target.
        case click = "c"
    }

    /// What a valid token names.
    public struct Target: Sendable, Hashable {
        public var accountID: String
        public var messageID: String
        /// What was signed with them (a click's URL); empty when nothing.
        public var payload: String
        public init(accountID: String, messageID: String, payload: String = "") {
            self.accountID = accountID
            self.messageID = messageID
            self.payload = payload
        }
    }

    /// The address providers and recipients reach Herald at, without a trailing slash.
    public let publicURL: String
    private let secret: @Sendable (_ accountID: String) async throws -> String
    private let keys = Mutex<[String: [UInt8]]>([:])

    /// `secret`: the account's callback secret (the store's).
    public init(publicURL: String, secret: @escaping @Sendable (_ accountID: String) async throws -> String) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.secret = secret
    }

    /// The link for this purpose, account and message.
    public func url(_ purpose: Purpose, accountID: String, messageID: String, payload: String = "") async throws -> String {
        "\(publicURL)/t/\(purpose.rawValue)/\(try await token(purpose, accountID: accountID, messageID: messageID, payload: payload))"
    }

    public func token(_ purpose: Purpose, accountID: String, messageID: String, payload: String = "") async throws -> String {
        let key = try await key(accountID: accountID)
        let token = "\(accountID).\(messageID).\(Self.signature(purpose, accountID: accountID, messageID: messageID, payload: payload, key: key))"
        return payload.isEmpty ? token : token + "." + Self.base64URL(Array(payload.utf8))
    }

    /// The account and message a token names, if Herald made it for this purpose (compared in constant time); nil
    /// for anything else, including an account that does not exist.
    public func verify(_ purpose: Purpose, token: String) async -> Target? {
        let pieces = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 4096, pieces.count == 3 || pieces.count == 4,
              pieces[0].allSatisfy(Self.isIDCharacter), pieces[1].allSatisfy(Self.isIDCharacter), !pieces[0].isEmpty, !pieces[1].isEmpty
        else { return nil }
        let accountID = String(pieces[0]), messageID = String(pieces[1])
        var payload = ""
        if pieces.count == 4 {
            guard let bytes = Self.decodeBase64URL(pieces[3]), let text = String(validating: bytes, as: UTF8.self), !text.isEmpty else { return nil }
            payload = text
        }
        guard let key = try? await key(accountID: accountID) else { return nil }
        let expected = Self.signature(purpose, accountID: accountID, messageID: messageID, payload: payload, key: key)
        return ConstantTime.equal(String(pieces[2]), expected) ? Target(accountID: accountID, messageID: messageID, payload: payload) : nil
    }

    private func key(accountID: String) async throws -> SymmetricKey {
        if let known = keys.withLock({ $0[accountID] }) { return SymmetricKey(data: known) }
        let secret = try await secret(accountID)
        let bytes = Array(HMAC<SHA256>.authenticationCode(for: Array("herald-links".utf8), using: SymmetricKey(data: Array(secret.utf8))))
        keys.withLock { keys in
            // Tokens naming accounts that do not exist must not grow this without bound.
            if keys.count >= 10_000 { keys.removeAll(keepingCapacity: true) }
            keys[accountID] = bytes
        }
        return SymmetricKey(data: bytes)
    }

    static func signature(_ purpose: Purpose, accountID: String, messageID: String, payload: String, key: SymmetricKey) -> String {
        let signed = "\(purpose.rawValue):\(accountID):\(messageID)" + (payload.isEmpty ? "" : ":" + payload)
        return String(base64URL(Array(HMAC<SHA256>.authenticationCode(for: Array(signed.utf8), using: key))).prefix(32))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: Substring) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map(Array.init)
    }

    static func isIDCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "_")
    }
}
