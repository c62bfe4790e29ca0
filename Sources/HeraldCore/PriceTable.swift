/// Price of one accepted segment per channel, in millionths of the account currency.
///
/// The cost of a message is accepted segments x price (billing rule of `docs/STATUSES.md`). Prices by
/// destination prefix and balances come with the pricing issue; this table is the flat default.
public struct PriceTable: Sendable, Hashable {
    public var currency: String
    public var micros: [Channel: Int64]

    public init(currency: String = "USD", micros: [Channel: Int64] = [.sms: 7_500, .email: 1_000, .chat: 5_000]) {
        self.currency = currency
        self.micros = micros
    }

    public func price(for channel: Channel) -> Int64 { micros[channel] ?? 0 }

    /// `7500` -> `"0.0075"`.
    public static func decimal(_ micros: Int64) -> String {
        let sign = micros < 0 ? "-" : ""
        let value = abs(micros)
        var fraction = String(value % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.count > 2, fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(sign)\(value / 1_000_000).\(fraction)"
    }
}
