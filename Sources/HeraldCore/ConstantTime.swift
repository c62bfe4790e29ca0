/// Comparing a secret-derived value (a signature, a MAC) with one from the network without saying, by the time it
/// takes, how much of a guess was right. Every signature check in Herald compares through this one function.
///
/// swift-crypto checks whole MACs in constant time (`HMAC.isValidAuthenticationCode`), but Herald's signatures arrive
/// encoded (hex, base64) and some are truncated (link and bounce tokens), which it does not compare.
public enum ConstantTime {
    /// Whether two byte strings are equal; the time depends only on their lengths.
    public static func equal(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(lhs, rhs) { difference |= a ^ b }
        return difference == 0
    }

    /// Whether two strings are equal byte for byte (UTF-8).
    public static func equal(_ lhs: String, _ rhs: String) -> Bool {
        equal(Array(lhs.utf8), Array(rhs.utf8))
    }
}
