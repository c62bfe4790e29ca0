/// Everything the DKIM library reports as an error.
public struct DKIMError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Base: Sendable, Hashable {
        case unreadableKey(String)
        case signingFailed(String)
    }

    private let base: Base

    /// The PEM is neither an RSA private key (PKCS#1 or PKCS#8, 1024 bits or more) nor an Ed25519 one (PKCS#8).
    public static func unreadableKey(_ detail: String) -> DKIMError { DKIMError(base: .unreadableKey(detail)) }
    public static func signingFailed(_ detail: String) -> DKIMError { DKIMError(base: .signingFailed(detail)) }

    public var description: String {
        switch base {
        case .unreadableKey(let detail): "not an RSA or Ed25519 private key in PEM: \(detail)"
        case .signingFailed(let detail): "DKIM signing failed: \(detail)"
        }
    }
}
