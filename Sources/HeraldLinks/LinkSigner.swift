import Crypto
import Foundation
import Synchronization

/// Links in messages that point back at Herald (`{public-url}/t/u/{token}`, the one-click unsubscribe of RFC 8058),
/// signed so that only Herald can make one and each names exactly the account and message it was made for. The key
/// is derived from the account's callback secret (so it is the same on every node and survives restarts; rotating the
/// secret retires the account's old links), and from the link's purpose (a token for one use is never valid for
/// another).
///
/// A token is `ACCOUNT.MESSAGE.SIGNATURE`: the ids as Herald writes them (letters, digits and `_`) and 32 characters
/// of base64url HMAC-SHA256.
public final class LinkSigner: Sendable {
    public enum Purpose: String, Sendable {
        case unsubscribe = "u"
    }

    /// What a valid token names.
    public struct Target: Sendable, Hashable {
        public var accountID: String
        public var messageID: String
        public init(accountID: String, messageID: String) {
            self.accountID = accountID
            self.messageID = messageID
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
    public func url(_ purpose: Purpose, accountID: String, messageID: String) async throws -> String {
        "\(publicURL)/t/\(purpose.rawValue)/\(try await token(purpose, accountID: accountID, messageID: messageID))"
    }

    public func token(_ purpose: Purpose, accountID: String, messageID: String) async throws -> String {
        let key = try await key(accountID: accountID)
        return "\(accountID).\(messageID).\(Self.signature(purpose, accountID: accountID, messageID: messageID, key: key))"
    }

    /// The account and message a token names, if Herald made it for this purpose (compared in constant time); nil
    /// for anything else, including an account that does not exist.
    public func verify(_ purpose: Purpose, token: String) async -> Target? {
        let pieces = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 200, pieces.count == 3,
              pieces[0].allSatisfy(Self.isIDCharacter), pieces[1].allSatisfy(Self.isIDCharacter), !pieces[0].isEmpty, !pieces[1].isEmpty
        else { return nil }
        let accountID = String(pieces[0]), messageID = String(pieces[1])
        guard let key = try? await key(accountID: accountID) else { return nil }
        let expected = Array(Self.signature(purpose, accountID: accountID, messageID: messageID, key: key).utf8)
        let given = Array(pieces[2].utf8)
        guard given.count == expected.count else { return nil }
        var difference: UInt8 = 0
        for (a, b) in zip(given, expected) { difference |= a ^ b }
        return difference == 0 ? Target(accountID: accountID, messageID: messageID) : nil
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

    static func signature(_ purpose: Purpose, accountID: String, messageID: String, key: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(purpose.rawValue):\(accountID):\(messageID)".utf8), using: key)
        let base64 = Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        return String(base64.prefix(32))
    }

    static func isIDCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "_")
    }
}
