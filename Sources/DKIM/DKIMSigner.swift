import Crypto
import _CryptoExtras
import Foundation

/// Signs messages with DKIM (RFC 6376): `rsa-sha256`, or `ed25519-sha256` (RFC 8463), relaxed/relaxed, for one domain
/// and selector. The `DKIM-Signature` header it makes goes first in the message.
public struct DKIMSigner: Sendable {
    public enum Key: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        /// The 32-byte private key (swift-crypto's key type is not Sendable; it is made again to sign).
        case ed25519Raw(Data)

        public static func ed25519(_ key: Curve25519.Signing.PrivateKey) -> Key { .ed25519Raw(key.rawRepresentation) }

        var algorithm: String {
            switch self {
            case .rsa: "rsa-sha256"
            case .ed25519Raw: "ed25519-sha256"
            }
        }
    }

    /// `d=`: the signing domain (the From domain or a parent of it, for DMARC alignment).
    public let domain: String
    /// `s=`: the selector; the public key is at `{selector}._domainkey.{domain}` in DNS.
    public let selector: String
    public let key: Key

    /// The header fields signed when present, in this order (From is always present and always signed).
    public static let signedHeaders = ["from", "to", "subject", "date", "message-id", "reply-to", "cc", "mime-version", "content-type",
                                       "content-transfer-encoding", "list-unsubscribe", "list-unsubscribe-post", "list-id", "in-reply-to",
                                       "references"]

    public init(domain: String, selector: String, key: Key) {
        self.domain = domain.lowercased()
        self.selector = selector
        self.key = key
    }

    /// Reads the key from PEM: an RSA key (`RSA PRIVATE KEY` or `PRIVATE KEY`), or an Ed25519 one (`PRIVATE KEY`,
    /// PKCS#8 as `openssl genpkey -algorithm ed25519` writes it).
    public init(domain: String, selector: String, pem: String) throws {
        if let rsa = try? _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem) {
            self.init(domain: domain, selector: selector, key: .rsa(rsa))
            return
        }
        guard let ed25519 = Self.ed25519(pem: pem) else {
            throw DKIMError.unreadableKey("give a PEM RSA key of 1024 bits or more, or a PKCS#8 Ed25519 key")
        }
        self.init(domain: domain, selector: selector, key: .ed25519Raw(ed25519))
    }

    /// The DNS TXT record that publishes the public key (`v=DKIM1; k=rsa; p=...`).
    public var dnsRecord: String {
        switch key {
        case .rsa(let key): "v=DKIM1; k=rsa; p=\(key.publicKey.derRepresentation.base64EncodedString())"
        case .ed25519Raw(let raw):
            "v=DKIM1; k=ed25519; p=\(((try? Curve25519.Signing.PrivateKey(rawRepresentation: raw))?.publicKey.rawRepresentation ?? Data()).base64EncodedString())"
        }
    }

    /// The message with its `DKIM-Signature` header first. `message`: headers and body, lines ending in CRLF, as it
    /// goes into DATA (before dot-stuffing). `timestamp`: `t=`, seconds since 1970.
    public func signed(_ message: String, timestamp: Int64) throws -> String {
        try signatureHeader(for: message, timestamp: timestamp) + "\r\n" + message
    }

    /// The `DKIM-Signature: ...` header field, without its CRLF.
    public func signatureHeader(for message: String, timestamp: Int64) throws -> String {
        let (fields, body) = DKIMCanonicalization.split(Array(message.utf8))
        let bodyHash = Data(SHA256.hash(data: DKIMCanonicalization.relaxedBody(body))).base64EncodedString()
        // Each name once, the last instance (bottom-most) of a repeated field: Herald's messages repeat none.
        var byName: [String: [UInt8]] = [:]
        for field in fields { byName[DKIMCanonicalization.name(of: field)] = field }
        let names = Self.signedHeaders.filter { byName[$0] != nil }
        var signedData: [UInt8] = []
        for name in names { signedData += DKIMCanonicalization.relaxedHeader(byName[name]!) }
        let unsigned = "DKIM-Signature: v=1; a=\(key.algorithm); c=relaxed/relaxed; d=\(domain); s=\(selector); t=\(timestamp); "
            + "h=\(names.joined(separator: ":")); bh=\(bodyHash); b="
        var last = DKIMCanonicalization.relaxedHeader(Array(unsigned.utf8))
        last.removeLast(2)  // the signature header is signed without its CRLF
        signedData += last
        let signature: Data
        do {
            switch key {
            case .rsa(let key):
                signature = try key.signature(for: SHA256.hash(data: signedData), padding: .insecurePKCS1v1_5).rawRepresentation
            case .ed25519Raw(let raw):
                // RFC 8463: PureEdDSA over the SHA-256 hash of the data.
                signature = try Curve25519.Signing.PrivateKey(rawRepresentation: raw).signature(for: Data(SHA256.hash(data: signedData)))
            }
        } catch {
            throw DKIMError.signingFailed("\(error)")
        }
        return unsigned + signature.base64EncodedString()
    }

    /// RFC 8410 PKCS#8: SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32 bytes) } }.
    static func ed25519(pem: String) -> Data? {
        let lines = pem.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: "-----BEGIN PRIVATE KEY-----"), let end = lines.firstIndex(of: "-----END PRIVATE KEY-----"), begin < end,
              let der = Data(base64Encoded: lines[(begin + 1)..<end].joined())
        else { return nil }
        let prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
        guard der.count == prefix.count + 32, Array(der.prefix(prefix.count)) == prefix else { return nil }
        let raw = Data(der.suffix(32))
        return (try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)) != nil ? raw : nil
    }
}
