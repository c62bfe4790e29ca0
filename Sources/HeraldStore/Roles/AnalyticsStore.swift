import Foundation

/// Delivery analytics (``DeliveryStats``), kept by the ledger as messages become final.
///
/// A role of ``HeraldStore``: a part that needs only this takes only this.
public protocol AnalyticsStore: Sendable {
    /// The counters of one account (nil: every account) for the hours from `since` to before `until`.
    func deliveryStats(accountID: String?, since: Date, until: Date) async throws -> [DeliveryStats.Row]
}
