import Crypto
import HeraldCore
import Foundation
import HeraldConnectors

/// `X-Twilio-Signature`: base64 of HMAC-SHA1, keyed with the account's auth token, over the full URL Twilio called
/// followed by every POST parameter's name and value, sorted by name (no separators).
public enum TwilioSignature {
    public static func sign(url: String, parameters: [ProviderCallback.Parameter], authToken: String) -> String {
        var data = url
        for parameter in parameters.sorted(by: { ($0.name, $0.value) < ($1.name, $1.value) }) {
            data += parameter.name + parameter.value
        }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(data.utf8), using: SymmetricKey(data: Data(authToken.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// Whether `signature` is the request's, compared in constant time.
    public static func verify(_ signature: String, url: String, parameters: [ProviderCallback.Parameter], authToken: String) -> Bool {
        ConstantTime.equal(sign(url: url, parameters: parameters, authToken: authToken), signature)
    }
}
