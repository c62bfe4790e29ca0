/// Random signing keys for status callbacks (`whsec_` and 32 characters).
public enum WebhookSecret {
    public static func make() -> String {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return "whsec_" + String((0..<32).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
    }
}
