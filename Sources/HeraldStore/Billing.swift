import HeraldCore

/// Prepaid balances, the pure half both backends share: reserve at accept, charge on provider acceptance,
/// release what was not charged when the message is final.
///
/// The account's `balance_micros` is what it can still spend: a reservation takes the message's highest possible
/// cost (segments x price) out of it at accept, inside the accept transaction (so two concurrent sends cannot both
/// spend the same money). Each message keeps what it holds (`reserved`) and what it was charged (`charged`: accepted
/// segments x price, moved out of the reservation as the provider accepts parts). When the message is final, the
/// rest of its reservation goes back to the balance. Postpaid accounts (no balance) reserve nothing.
public enum Billing {
    /// A message's money at one moment: nil `reserved` means a postpaid message (no accounting).
    public struct Holding: Sendable, Hashable {
        public var reserved: Int64?
        public var charged: Int64
        public var price: Int64

        public init(reserved: Int64?, charged: Int64, price: Int64) {
            self.reserved = reserved
            self.charged = charged
            self.price = price
        }
    }

    /// The most a message can cost: every segment accepted. What a reservation takes, and what the preview compares.
    public static func highestCost(segments: Int, price: Int64) -> Int64 {
        Int64(max(1, segments)) * price
    }

    /// Reserves each message's cost in order against `balance`; messages that do not fit are refused with
    /// INSUFFICIENT_BALANCE. Returns the balance left.
    public static func reserve(_ messages: inout [NewMessage], indices: [Int], balance: Int64) -> Int64 {
        var left = balance
        for index in indices where messages[index].draft.rejection == nil {
            let cost = highestCost(segments: messages[index].draft.segments, price: messages[index].priceMicros)
            if cost <= left {
                left -= cost
                messages[index].reservedMicros = cost
            } else {
                messages[index].draft.rejection = .insufficientBalance
                messages[index].draft.initialDetail = "costs \(PriceTable.decimal(cost)), the balance is \(PriceTable.decimal(left))"
            }
        }
        return left
    }

    /// The holding after the message's status became `aggregate`, and what goes back to (positive) or is taken
    /// from (negative) the account balance.
    public static func settle(_ holding: Holding, after aggregate: MessageAggregate) -> (holding: Holding, balanceDelta: Int64) {
        guard let reserved = holding.reserved else { return (holding, 0) }
        let charged = Int64(aggregate.billedSegments) * holding.price
        let newlyCharged = charged - holding.charged
        let stillHeld = aggregate.status.isFinal ? 0 : max(0, reserved - newlyCharged)
        let released = reserved - stillHeld - newlyCharged
        return (Holding(reserved: stillHeld, charged: charged, price: holding.price), released)
    }
}
