import struct Foundation.Date
import Synchronization

/// Time-ordered identifiers (`msg_`, `evt_`, ...): 48 bits of milliseconds then 80 random bits, in
/// Crockford base32, so sorting ids sorts by creation time and cursors are just ids.
public enum HeraldID {
    public enum Kind: String, Sendable {
        case message = "msg"
        case event = "evt"
        case account = "acc"
        case key = "key"
        case receipt = "rcp"
        case inbound = "in"
        case webhook = "wh"
        case delivery = "dlv"
        case campaign = "cmp"
        case providerWebhook = "pwh"
    }

    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// A new id of the given kind.
    public static func make(_ kind: Kind, at date: Date = Date()) -> String {
        var generator = FastRandom()
        return make(kind, at: date, using: &generator)
    }

    /// SplitMix64 over a process-wide state seeded once from the system: ids are made on hot paths, and the
    /// system generator costs a system call per number.
    private struct FastRandom: RandomNumberGenerator {
        static let state = Mutex<UInt64>(UInt64.random(in: .min ... .max))

        mutating func next() -> UInt64 {
            var z = Self.state.withLock { state -> UInt64 in
                state &+= 0x9E37_79B9_7F4A_7C15
                return state
            }
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// The smallest id of this kind made at `date`: `id >= lowest(at: t)` selects ids made at or after `t`.
    public static func lowest(_ kind: Kind, at date: Date) -> String {
        var zero = ZeroGenerator()
        return make(kind, at: date, using: &zero)
    }

    /// When an id was made (its first ten characters after the kind are the milliseconds); nil for what is not an id.
    public static func date(of id: String) -> Date? {
        guard let separator = id.firstIndex(of: "_") else { return nil }
        let time = id.utf8[id.utf8.index(after: separator)...].prefix(10)
        guard time.count == 10 else { return nil }
        var millis: UInt64 = 0
        for byte in time {
            guard let value = alphabet.firstIndex(of: byte) else { return nil }
            millis = millis << 5 | UInt64(value)
        }
        return Date(timeIntervalSince1970: Double(millis) / 1000)
    }

    private struct ZeroGenerator: RandomNumberGenerator {
        mutating func next() -> UInt64 { 0 }
    }

    public static func make(_ kind: Kind, at date: Date, using generator: inout some RandomNumberGenerator) -> String {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var bytes = [UInt8](repeating: 0, count: 26)
        var time = millis
        for index in stride(from: 9, through: 0, by: -1) {
            bytes[index] = alphabet[Int(time & 31)]
            time >>= 5
        }
        var random = generator.next() as UInt64
        var random2 = generator.next() as UInt64
        for index in 10..<26 {
            let source = index < 22 ? random : random2
            bytes[index] = alphabet[Int(source & 31)]
            if index < 22 { random >>= 5 } else { random2 >>= 5 }
        }
        return kind.rawValue + "_" + String(decoding: bytes, as: UTF8.self)
    }
}
