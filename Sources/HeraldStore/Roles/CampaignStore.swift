import Foundation
import HeraldCore

/// Campaigns: their state, counts and the rows an upload could not use.
///
/// A role of ``HeraldStore``: a part that needs only this takes only this.
public protocol CampaignStore: Sendable {
    func createCampaign(_ campaign: Campaign) async throws
    /// The campaign, only if it belongs to the account.
    func campaign(id: String, accountID: String) async throws -> Campaign?
    /// The account's campaigns, newest first, older than the cursor id.
    func campaigns(accountID: String, before cursor: String?, limit: Int) async throws -> [Campaign]
    /// The campaign's messages counted by status and reason, with their cost: one indexed read of the messages, so the
    /// counts always equal the messages' own statuses.
    func campaignCounts(campaignID: String) async throws -> CampaignCounts
    /// The campaign's finals by minute and status (``CampaignProgress``), oldest first.
    func campaignProgress(campaignID: String) async throws -> [CampaignProgress.Row]
    /// Adds to the rows of an upload that could not become messages.
    func addInvalidRows(campaignID: String, count: Int, now: Date) async throws
    /// Pauses (holds the queue entries no worker has) or resumes (releases them at their own time) in one transaction.
    /// Cancel holds them with the state change in one transaction, then records CANCELED for every message no provider
    /// has (as ``cancel(messageID:accountID:now:)``) in transactions of 2,000. A canceled campaign stays canceled
    /// (canceling it again sweeps messages added since). nil when the campaign is not the account's.
    func setCampaignState(id: String, accountID: String, to state: CampaignState, now: Date) async throws -> CampaignStateChange?
}
