import Crypto
import Foundation
import HeraldCore

/// The `Herald-Signature` header: `t=UNIX_SECONDS,v1=HEX(HMAC-SHA256(secret, "UNIX_SECONDS.BODY"))`.
///
/// A receiver recomputes the HMAC over the timestamp, a dot and the raw body with its endpoint's secret, compares in
/// constant time, and refuses timestamps too far from its clock (replays). `herald webhook verify` does exactly that.
public enum WebhookSignature {
    public static let header = "Herald-Signature"

    public static func sign(body: some DataProtocol, secret: String, timestamp: Int) -> String {
        Signer(secret: secret).sign(body: body, timestamp: timestamp)
    }

    /// Signs bodies with one secret, keyed once: the HMAC's key schedule is done at creation and copied per body,
    /// not redone per callback. Same output as ``sign(body:secret:timestamp:)``.
    ///
    /// `@unchecked Sendable`: `HMAC<SHA256>` is a value type whose digest state lives in a copy-on-write reference.
    /// `keyed` is never mutated: each `sign` copies it into a local `var` and updates that, so the shared state is only
    /// ever read (copied from), which is safe from any thread.
    public struct Signer: @unchecked Sendable {
        private let keyed: HMAC<SHA256>
        /// The secret before a rotation and until when (Unix seconds) it still signs, as a second `v1`.
        private let previous: (keyed: HMAC<SHA256>, until: Int)?

        public init(secret: String, previous: String? = nil, previousUntil: Date? = nil) {
            keyed = HMAC<SHA256>(key: SymmetricKey(data: Data(secret.utf8)))
            if let previous, let previousUntil {
                self.previous = (HMAC<SHA256>(key: SymmetricKey(data: Data(previous.utf8))), Int(previousUntil.timeIntervalSince1970))
            } else {
                self.previous = nil
            }
        }

        /// `t=...,v1=...`, with a second `v1` (the previous secret's) during a rotation's grace period: a receiver that
        /// still holds the old secret and one that holds the new both verify it.
        public func sign(body: some DataProtocol, timestamp: Int) -> String {
            var header = "t=\(timestamp),v1=\(hex(Self.mac(keyed, body: body, timestamp: timestamp)))"
            if let previous, timestamp < previous.until { header += ",v1=\(hex(Self.mac(previous.keyed, body: body, timestamp: timestamp)))" }
            return header
        }

        /// HMAC-SHA256 over "TIMESTAMP." and the body: what `v1` carries, in hex.
        func mac(body: some DataProtocol, timestamp: Int) -> HashedAuthenticationCode<SHA256> {
            Self.mac(keyed, body: body, timestamp: timestamp)
        }

        private static func mac(_ keyed: HMAC<SHA256>, body: some DataProtocol, timestamp: Int) -> HashedAuthenticationCode<SHA256> {
            var hmac = keyed
            hmac.update(data: Array("\(timestamp).".utf8))
            hmac.update(data: body)
            return hmac.finalize()
        }
    }

    /// Why a signature does not check out.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case malformed
        case mismatch
        case stale(seconds: Int)

        public var description: String {
            switch self {
            case .malformed: "the header is not t=TIMESTAMP,v1=HEX"
            case .mismatch: "the signature does not match this body and secret"
            case .stale(let seconds): "the timestamp is \(seconds) s away from now"
            }
        }
    }

    /// nil when the header is a valid signature of `body` with `secret`, made within `tolerance` seconds of `now`.
    public static func verify(header value: String, body: some DataProtocol, secret: String, now: Date, tolerance: TimeInterval = 300) -> Failure? {
        var timestamp: Int?
        var signatures: [String] = []
        for piece in value.split(separator: ",") {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { return .malformed }
            if pair[0] == "t" { timestamp = Int(pair[1]) } else if pair[0] == "v1" { signatures.append(pair[1].lowercased()) }
        }
        guard let timestamp, !signatures.isEmpty else { return .malformed }
        let expected = hex(Signer(secret: secret).mac(body: body, timestamp: timestamp))
        guard signatures.contains(where: { ConstantTime.equal($0, expected) }) else { return .mismatch }
        let skew = Int(abs(now.timeIntervalSince1970 - Double(timestamp)))
        guard Double(skew) <= tolerance else { return .stale(seconds: skew) }
        return nil
    }

    private static func hex(_ code: HashedAuthenticationCode<SHA256>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in code {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
