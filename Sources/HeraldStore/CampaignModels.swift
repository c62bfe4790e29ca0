import Foundation
import HeraldCore

/// Whether a campaign's messages may go out.
public enum CampaignState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Messages are sent as they come due.
    case running
    /// Queued messages are held (not claimed) until the campaign is resumed; messages already with a provider go on.
    case paused
    /// Every message not yet handed to a provider was CANCELED; no recipients can be added.
    case canceled
}

/// A bulk send: one template and sender, many recipients, each becoming an ordinary message (`campaign_id` set).
///
/// Counts are not stored here: they are read from the messages themselves (``CampaignCounts``), so they are
/// exact at every moment, whatever receipts are arriving.
public struct Campaign: Sendable, Hashable {
    public var id: String
    public var accountID: String
    public var name: String
    public var template: String
    public var channel: String?
    public var from: String?
    public var category: MessageCategory
    public var tag: String?
    /// When the messages are to go out (nil: as soon as they are added).
    public var sendAt: Date?
    public var validityMinutes: Int?
    public var callbackURL: String?
    public var state: CampaignState
    public var createdAt: Date
    public var updatedAt: Date
    /// Uploaded rows that could not become a message (no recipient column value, malformed row): not counted as messages.
    public var invalidRows: Int

    public init(id: String? = nil, accountID: String, name: String, template: String, channel: String? = nil, from: String? = nil,
                category: MessageCategory = .promotional, tag: String? = nil, sendAt: Date? = nil, validityMinutes: Int? = nil,
                callbackURL: String? = nil, state: CampaignState = .running, createdAt: Date, invalidRows: Int = 0) {
        self.id = id ?? HeraldID.make(.campaign, at: createdAt)
        self.accountID = accountID
        self.name = name
        self.template = template
        self.channel = channel
        self.from = from
        self.category = category
        self.tag = tag
        self.sendAt = sendAt
        self.validityMinutes = validityMinutes
        self.callbackURL = callbackURL
        self.state = state
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.invalidRows = invalidRows
    }

    /// A new campaign of `template` (the API's and the CLI's rule): without a name it is called after the template and
    /// the time; without a channel it takes the template's.
    public init(accountID: String, template: MessageTemplate, name: String?, channel: String?, from: String?, category: MessageCategory,
                tag: String?, sendAt: Date?, validityMinutes: Int? = nil, callbackURL: String? = nil, paused: Bool, createdAt: Date) {
        self.init(accountID: accountID, name: name ?? "\(template.name) \(Timestamp.format(createdAt))", template: template.name,
                  channel: channel ?? template.channel?.rawValue, from: from, category: category, tag: tag, sendAt: sendAt,
                  validityMinutes: validityMinutes, callbackURL: callbackURL, state: paused ? .paused : .running, createdAt: createdAt)
    }

    /// The send request of one recipient: what the campaign fixes plus the recipient's number and variables.
    public func request(to recipient: String, variables: [String: String]) -> SendRequest {
        SendRequest(channel: channel, to: recipient, from: from, text: nil, tag: tag, sendAt: sendAt, validityMinutes: validityMinutes,
                    callbackURL: callbackURL, category: category, template: template, variables: variables)
    }
}

/// A campaign's messages summed up by one indexed query over the messages: exact, never a separate counter.
public struct CampaignCounts: Sendable, Hashable {
    /// Messages of the campaign (rows that became a message, refused ones included).
    public var total = 0
    /// Messages with a final status.
    public var final = 0
    public var byStatus: [MessageStatus: Int] = [:]
    /// Messages per reason (statuses without a reason are not listed).
    public var byReason: [ReasonCode: Int] = [:]
    /// Accepted segments times their price, summed.
    public var costMicros: Int64 = 0
    /// Messages with each engagement (one message may count under several).
    public var byEngagement: [Engagement: Int] = [:]

    public init() {}

    /// Messages that reached the recipient's side: delivered, or taken by an e-mail relay that reports no delivery.
    public var reached: Int { byStatus[.delivered, default: 0] + byStatus[.sent, default: 0] }
    /// Opened among those reached; nil before any is.
    public var openRate: Double? { reached == 0 ? nil : Double(byEngagement[.opened, default: 0]) / Double(reached) }
    /// Clicked among those reached; nil before any is.
    public var clickRate: Double? { reached == 0 ? nil : Double(byEngagement[.clicked, default: 0]) / Double(reached) }

    public var delivered: Int { byStatus[.delivered, default: 0] }
    /// Messages that ended without reaching the recipient (undelivered, failed, expired, rejected, refused by a gate).
    public var notDelivered: Int { final - delivered }
    /// Delivered among the messages whose outcome is known; nil before any is final.
    public var deliveryRate: Double? { final == 0 ? nil : Double(delivered) / Double(final) }
    /// Messages not final that no provider has yet (scheduled, queued, being sent, waiting for a retry).
    public var notYetSent: Int { [MessageStatus.scheduled, .queued, .sending, .deferred].reduce(0) { $0 + byStatus[$1, default: 0] } }
    /// Messages a provider has taken whose final receipt has not come yet.
    public var awaitingReceipt: Int { total - final - notYetSent }
    /// Share of messages with a final status.
    public var progress: Double { total == 0 ? 0 : Double(final) / Double(total) }

    /// Adds one group of the `status, reason, final, count, cost` query.
    public mutating func add(status: MessageStatus, reason: ReasonCode?, final isFinal: Bool, count: Int, costMicros cost: Int64,
                             engagement: Set<Engagement> = []) {
        for kind in engagement { byEngagement[kind, default: 0] += count }
        total += count
        if isFinal { final += count }
        byStatus[status, default: 0] += count
        if let reason { byReason[reason, default: 0] += count }
        costMicros += cost
    }
}

/// A campaign with its counts.
public struct CampaignSummary: Sendable, Hashable {
    public var campaign: Campaign
    public var counts: CampaignCounts

    public init(campaign: Campaign, counts: CampaignCounts) {
        self.campaign = campaign
        self.counts = counts
    }
}

/// What a pause, resume or cancel did.
public struct CampaignStateChange: Sendable, Hashable {
    public var campaign: Campaign
    /// Messages held (pause), released (resume) or canceled (cancel) by this change.
    public var messages: Int

    public init(campaign: Campaign, messages: Int) {
        self.campaign = campaign
        self.messages = messages
    }
}

/// Queue times of held messages: a paused campaign's queue entries are moved here (their real time kept aside),
/// so no claim query has to look at campaigns.
public enum CampaignHold {
    public static let availableAt = Date(timeIntervalSince1970: 253_402_300_799) // 9999-12-31T23:59:59Z

    /// Messages a campaign cancel records CANCELED per transaction, so no transaction holds the writer for long.
    public static let cancelBatch = 2000

    /// Runs `batch` (one transaction: the next ``cancelBatch`` messages after the id given, by id) from the start until
    /// it reports nothing left, and returns how many messages were canceled in all. Both backends' campaign cancel.
    public static func cancelInBatches(_ batch: (_ after: String) async throws -> (last: String?, canceled: Int)) async throws -> Int {
        var after = ""
        var canceled = 0
        while true {
            let (last, count) = try await batch(after)
            canceled += count
            guard let last else { return canceled }
            after = last
        }
    }
}
