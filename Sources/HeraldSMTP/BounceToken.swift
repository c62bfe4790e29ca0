import Crypto
import HeraldCore

/// What names a message in an e-mail's envelope sender (`bounces+TOKEN@bounce-domain`) and its DSN envelope id
/// (`ENVID=TOKEN`), so that a bounce names the message it is about.
///
/// Anyone can send mail to a bounce domain, and message ids are in every Message-ID header Herald writes, so with a
/// secret (the connector's `bounce_secret_env`) the token is signed: the message id, a dot, and 20 hex characters of
/// HMAC-SHA256 over it (`msg_01JF….3f9a…`). A bounce whose token does not verify is not believed (it never changes a
/// status or suppresses an address). The local part stays within RFC 5321's 64 octets (8 + 30 + 1 + 20); hex, so a
/// relay that changes the case of the address does not break it. Without a secret the token is the message id.
///
/// Rotation: tokens are signed with the secret, and verified with it or with any of `previous` (the secrets signed
/// before), so the bounces of messages sent before a rotation are still believed while they arrive (relays retry for
/// up to five days); the operator drops the old secret after that.
public struct BounceToken: Sendable {
    /// The HMAC key's bytes (`SymmetricKey` is not `Sendable`).
    private let keyBytes: [UInt8]?
    private let previousKeyBytes: [[UInt8]]
    private var key: SymmetricKey? { keyBytes.map { SymmetricKey(data: $0) } }

    public init(secret: String?, previous: [String] = []) {
        keyBytes = secret.map(Self.derive)
        previousKeyBytes = secret == nil ? [] : previous.map(Self.derive)
    }

    private static func derive(_ secret: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array("herald-bounces".utf8), using: SymmetricKey(data: Array(secret.utf8))))
    }

    /// Whether bounces are authenticated.
    public var isSigned: Bool { keyBytes != nil }

    /// The token for a message.
    public func token(for messageID: String) -> String {
        guard let key else { return messageID }
        return messageID + "." + Self.signature(messageID, key: key)
    }

    /// The message a token names: with a secret only a token Herald signed; without, the token as it is.
    public func messageID(in token: String) -> String? {
        guard let key else { return token.isEmpty ? nil : token }
        guard token.utf8.count <= 64, let dot = token.lastIndex(of: ".") else { return nil }
        let messageID = String(token[..<dot])
        let given = token[token.index(after: dot)...].lowercased()
        guard !messageID.isEmpty else { return nil }
        let keys = [key] + previousKeyBytes.map { SymmetricKey(data: $0) }
        guard keys.contains(where: { ConstantTime.equal(given, Self.signature(messageID, key: $0)) }) else { return nil }
        return messageID
    }

    static func signature(_ messageID: String, key: SymmetricKey) -> String {
        HMAC<SHA256>.authenticationCode(for: Array("b:\(messageID)".utf8), using: key).prefix(10)
            .map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
