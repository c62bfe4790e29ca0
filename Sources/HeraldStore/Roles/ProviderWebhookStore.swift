import Foundation
import HeraldCore

/// Raw provider webhooks.
///
/// A role of ``HeraldStore``: a part that needs only this takes only this.
public protocol ProviderWebhookStore: Sendable {
    /// Keeps webhooks that passed their provider's signature check, durably, before they are acknowledged (one already
    /// kept, by id, is left as it is).
    func recordProviderWebhooks(_ webhooks: [ProviderWebhookRecord]) async throws
    /// The connector's stored webhooks, newest first (for operators and tests).
    func providerWebhooks(connector: String, limit: Int) async throws -> [ProviderWebhookRecord]
}
