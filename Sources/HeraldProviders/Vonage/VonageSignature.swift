import Crypto
import HeraldCore
import Foundation
import HeraldConnectors

/// Vonage's signed requests and webhooks (`sig`): every parameter but `sig`, sorted by name, written as `&name=value`
/// with `&` and `=` in values replaced by `_`; then `md5hash`: MD5 of that string followed by the signature secret, or
/// HMAC-MD5 / SHA1 / SHA256 / SHA512 of it keyed with the secret; hex, compared without regard to case.
public enum VonageSignature {
    public enum Method: String, Sendable, CaseIterable {
        case md5hash, md5, sha1, sha256, sha512
    }

    public static func sign(_ parameters: [ProviderCallback.Parameter], secret: String, method: Method) -> String {
        var text = ""
        for parameter in parameters.filter({ $0.name != "sig" }).sorted(by: { $0.name < $1.name }) {
            let value = parameter.value.map { $0 == "&" || $0 == "=" ? "_" : $0 }
            text += "&" + parameter.name + "=" + String(value)
        }
        let data = Data(text.utf8), key = SymmetricKey(data: Data(secret.utf8))
        let digest: [UInt8] = switch method {
        case .md5hash: Array(Insecure.MD5.hash(data: data + Data(secret.utf8)))
        case .md5: Array(HMAC<Insecure.MD5>.authenticationCode(for: data, using: key))
        case .sha1: Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: key))
        case .sha256: Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
        case .sha512: Array(HMAC<SHA512>.authenticationCode(for: data, using: key))
        }
        return digest.map { String(format: "%02X", $0) }.joined()
    }

    public static func verify(_ parameters: [ProviderCallback.Parameter], secret: String, method: Method) -> Bool {
        guard let given = parameters.last(where: { $0.name == "sig" })?.value else { return false }
        return ConstantTime.equal(sign(parameters, secret: secret, method: method), given.uppercased())
    }
}
