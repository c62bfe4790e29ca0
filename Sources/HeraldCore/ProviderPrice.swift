/// A provider's own word on what one of its messages cost: an amount (in the currency it names, when it names one) or a
/// pricing category (WhatsApp's conversation categories).
public struct ProviderPrice: Sendable, Hashable {
    /// Decimal text as the provider wrote it (`0.03330000`).
    public var amount: String?
    public var currency: String?
    /// `service`, `utility`, `marketing`, ... and whether it is billable.
    public var category: String?

    public init(amount: String? = nil, currency: String? = nil, category: String? = nil) {
        self.amount = amount
        self.currency = currency
        self.category = category
    }
}

/// A provider price as stored for one of a message's provider messages.
public struct ProviderPriceRecord: Sendable, Hashable {
    public var connector: String
    public var providerMessageID: String
    public var price: ProviderPrice

    public init(connector: String, providerMessageID: String, price: ProviderPrice) {
        self.connector = connector
        self.providerMessageID = providerMessageID
        self.price = price
    }
}
