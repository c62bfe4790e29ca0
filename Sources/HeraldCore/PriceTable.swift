/// Price of one accepted segment by channel and destination prefix, in millionths of the account currency.
///
/// The cost of a message is accepted segments x price (billing rule of `docs/STATUSES.md`). The longest
/// prefix of the recipient that has a price wins (`+447` before `+44`); without one, the channel's default.
public struct PriceTable: Sendable, Hashable {
    public var currency: String
    /// Default price per channel.
    public var micros: [Channel: Int64]
    /// Prices by recipient prefix per channel (`+44` -> 40000).
    public var prefixes: [Channel: [String: Int64]]

    public init(currency: String = "USD", micros: [Channel: Int64] = [.sms: 7_500, .email: 1_000, .chat: 5_000], prefixes: [Channel: [String: Int64]] = [:]) {
        self.currency = currency
        self.micros = micros
        self.prefixes = prefixes
    }

    public func price(for channel: Channel) -> Int64 { micros[channel] ?? 0 }

    /// The price of one segment to this recipient: the longest matching prefix, else the channel default.
    public func price(for channel: Channel, to recipient: String) -> Int64 {
        if let table = prefixes[channel], !table.isEmpty {
            var prefix = Substring(recipient)
            while !prefix.isEmpty {
                if let price = table[String(prefix)] { return price }
                prefix = prefix.dropLast()
            }
        }
        return price(for: channel)
    }

    /// `7500` -> `"0.0075"`.
    public static func decimal(_ micros: Int64) -> String {
        let sign = micros < 0 ? "-" : ""
        let value = abs(micros)
        var fraction = String(value % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.count > 2, fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(sign)\(value / 1_000_000).\(fraction)"
    }

    /// `"0.0075"` -> `7500`; nil for anything but a non-negative decimal with at most six places.
    public static func micros(_ text: String) -> Int64? {
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(pieces.count), !pieces[0].isEmpty, pieces[0].allSatisfy(\.isASCII), let whole = Int64(pieces[0]), whole >= 0,
              whole < 1_000_000_000 else { return nil }
        var fraction: Int64 = 0
        if pieces.count == 2 {
            let digits = pieces[1]
            guard !digits.isEmpty, digits.count <= 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(digits) else { return nil }
            fraction = value
            for _ in digits.count..<6 { fraction *= 10 }
        }
        return whole * 1_000_000 + fraction
    }
}
