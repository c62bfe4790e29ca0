import Foundation
import HeraldCore
import HeraldEngine
import HeraldStore

/// A campaign as the API (and `herald campaign report --json`) shows it: what it sends, its state, and its messages
/// counted by canonical status and by reason, with delivery rate, cost and progress.
public struct CampaignJSON: Encodable, Sendable {
    struct Counts: Encodable, Sendable {
        var total: Int
        var final: Int
        var pending: Int
        var delivered: Int
        var notDelivered: Int
        var invalidRows: Int
        var byStatus: [String: Int]
        var byReason: [ReasonCount]
        /// Messages opened, clicked, read, replied to, complained about (e-mail tracking, chat, inbound replies).
        var byEngagement: [String: Int]

        enum CodingKeys: String, CodingKey {
            case total, final, pending, delivered, byStatus = "by_status", byReason = "by_reason", notDelivered = "not_delivered", invalidRows = "invalid_rows"
            case byEngagement = "by_engagement"
        }
    }

    struct ReasonCount: Encodable, Sendable {
        var code: String
        var meaning: String
        var count: Int
    }

    struct Cost: Encodable, Sendable {
        var amount: String
        var currency: String
    }

    var id: String
    var name: String
    var template: String
    var channel: String?
    var from: String?
    var category: String
    var tag: String?
    var sendAt: String?
    var state: String
    /// Every message has a final status.
    var complete: Bool
    var createdAt: String
    var updatedAt: String
    var counts: Counts
    var deliveryRate: Double?
    /// Opened (clicked) among the messages that reached the recipient's side (DELIVERED, or SENT through an e-mail
    /// relay); nil before any has.
    var openRate: Double?
    var clickRate: Double?
    var progress: Double
    var cost: Cost
    /// Pause, resume and cancel only: how many messages the request held, released or canceled.
    var changedMessages: Int?

    public init(_ summary: CampaignSummary, currency: String) {
        let campaign = summary.campaign, counts = summary.counts
        id = campaign.id
        name = campaign.name
        template = campaign.template
        channel = campaign.channel
        from = campaign.from
        category = campaign.category.rawValue
        tag = campaign.tag
        sendAt = campaign.sendAt.map(Timestamp.format)
        state = campaign.state.rawValue
        complete = counts.total > 0 && counts.final == counts.total
        createdAt = Timestamp.format(campaign.createdAt)
        updatedAt = Timestamp.format(campaign.updatedAt)
        self.counts = Counts(
            total: counts.total, final: counts.final, pending: counts.total - counts.final, delivered: counts.delivered,
            notDelivered: counts.notDelivered, invalidRows: campaign.invalidRows,
            byStatus: Dictionary(uniqueKeysWithValues: counts.byStatus.map { ($0.key.rawValue, $0.value) }),
            byReason: counts.byReason.sorted { ($0.value, $1.key.rawValue) > ($1.value, $0.key.rawValue) }.map {
                ReasonCount(code: $0.key.rawValue, meaning: $0.key.info.meaning, count: $0.value)
            },
            byEngagement: Dictionary(uniqueKeysWithValues: counts.byEngagement.map { ($0.key.rawValue, $0.value) })
        )
        openRate = counts.openRate.map { ($0 * 10_000).rounded() / 10_000 }
        clickRate = counts.clickRate.map { ($0 * 10_000).rounded() / 10_000 }
        deliveryRate = counts.deliveryRate.map { ($0 * 10_000).rounded() / 10_000 }
        progress = (counts.progress * 10_000).rounded() / 10_000
        cost = Cost(amount: PriceTable.decimal(counts.costMicros), currency: currency)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, template, channel, from, category, tag, state, complete, counts, progress, cost
        case changedMessages = "changed_messages"
        case sendAt = "send_at", createdAt = "created_at", updatedAt = "updated_at", deliveryRate = "delivery_rate"
        case openRate = "open_rate", clickRate = "click_rate"
    }
}

/// What an upload of recipients did, as the API answers it.
public struct CampaignUploadJSON: Encodable, Sendable {
    struct Problem: Encodable, Sendable {
        var line: Int
        var field: String
        var problem: String
        var fix: String
    }

    /// This upload: rows read, messages created, rows refused (each in `problems`). The campaign's totals over every
    /// upload are in `campaign.counts` (`invalid_rows` there counts every upload's refused rows).
    var rows: Int
    var messages: Int
    var invalidRows: Int
    var problems: [Problem]
    /// `canceled` (the campaign was canceled during the upload) or `row_limit` (more rows than allowed); null when all were read.
    var stopped: String?
    var campaign: CampaignJSON

    public init(_ report: CampaignUpload.Report, campaign: CampaignJSON) {
        rows = report.progress.rows
        messages = report.progress.messages
        invalidRows = report.progress.invalidRows
        problems = report.problems.map { Problem(line: $0.line, field: $0.error.field, problem: $0.error.problem, fix: $0.error.fix) }
        stopped = report.stoppedByCancel ? "canceled" : report.truncated ? "row_limit" : nil
        self.campaign = campaign
    }

    enum CodingKeys: String, CodingKey { case rows, messages, problems, stopped, campaign, invalidRows = "invalid_rows" }
}
