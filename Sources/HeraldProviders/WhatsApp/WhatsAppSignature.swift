import Crypto
import HeraldCore
import Foundation

/// `X-Hub-Signature-256: sha256=<hex>`: HMAC-SHA256 of the raw body, keyed with the app secret.
public enum WhatsAppSignature {
    public static func sign(_ body: [UInt8], appSecret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(appSecret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    public static func verify(_ header: String, body: [UInt8], appSecret: String) -> Bool {
        ConstantTime.equal(sign(body, appSecret: appSecret), header.lowercased())
    }
}
