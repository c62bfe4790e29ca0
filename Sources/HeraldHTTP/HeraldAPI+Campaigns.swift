import Foundation
import HeraldCore
import HeraldEngine
import HeraldStore
import Hummingbird

/// The body of `POST /v1/campaigns`.
struct CampaignRequestJSON: Decodable {
    struct Recipient: Decodable {
        var to: String?
        var variables: TemplateVariables?
    }

    var name: String?
    var template: String?
    var channel: String?
    var from: String?
    var category: String?
    var tag: String?
    var sendAt: String?
    var validityMinutes: Int?
    var callbackURL: String?
    /// Create it paused: recipients are added (and screened) but nothing goes out until it is resumed.
    var paused: Bool?
    var recipients: [Recipient]?

    enum CodingKeys: String, CodingKey {
        case name, template, channel, from, category, tag, paused, recipients
        case sendAt = "send_at", validityMinutes = "validity_minutes", callbackURL = "callback_url"
    }
}

extension HeraldAPI {
    /// Checks a new campaign's fields and stores it (the API's and the dashboard's one rule); refusals are problems
    /// naming the field.
    public func newCampaign(name: String?, template templateName: String?, channel: String? = nil, from: String?, category categoryWord: String? = nil,
                            tag: String? = nil, sendAt sendAtText: String? = nil, validityMinutes: Int? = nil, callbackURL: String? = nil, paused: Bool,
                            context: HeraldRequestContext) async throws -> Campaign {
        let account = try context.requireAccount()
        for (value, field, limit) in [(name, "name", FieldLimits.name), (from, "from", FieldLimits.sender), (tag, "tag", FieldLimits.tag),
                                      (callbackURL, "callback_url", FieldLimits.url)] {
            if let error = FieldLimits.check(value, field: field, limit: limit) { throw APIProblem.invalid(error) }
        }
        try checkCallbackURL(callbackURL, field: "callback_url")
        guard let templateName, !templateName.isEmpty else {
            throw APIProblem.invalid(FieldError(field: "template", problem: "template is missing", fix: "name a template created with POST /v1/templates"))
        }
        guard let template = try await store.template(accountID: account.id, name: templateName) else {
            throw APIProblem.invalid(FieldError(field: "template", problem: "template '\(templateName)' does not exist",
                                                fix: "create it with POST /v1/templates, or name one of GET /v1/templates"))
        }
        if let channel, Channel(rawValue: channel) == nil {
            throw APIProblem.invalid(FieldError(field: "channel", problem: "unknown channel '\(channel)'",
                                                fix: "use one of: " + Channel.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        var category = MessageCategory.promotional
        if let word = categoryWord {
            guard let parsed = MessageCategory(rawValue: word), parsed != .keywordReply else {
                throw APIProblem.invalid(FieldError(field: "category", problem: "unknown category '\(word)'", fix: "use promotional or transactional"))
            }
            category = parsed
        }
        var sendAt: Date?
        if let text = sendAtText {
            guard let date = Timestamp.parse(text) else {
                throw APIProblem.invalid(FieldError(field: "send_at", problem: "'\(text)' is not a timestamp", fix: "use RFC 3339, e.g. 2026-11-22T18:00:00Z"))
            }
            sendAt = date
        }
        if let minutes = validityMinutes, !(1...(72 * 60)).contains(minutes) {
            throw APIProblem.invalid(FieldError(field: "validity_minutes", problem: "validity_minutes \(minutes) is out of range", fix: "use 1 to 4320 (72 hours)"))
        }
        let campaign = Campaign(accountID: account.id, template: template, name: name, channel: channel, from: from, category: category,
                                tag: tag, sendAt: sendAt, validityMinutes: validityMinutes, callbackURL: callbackURL, paused: paused, createdAt: Date())
        try await store.createCampaign(campaign)
        return campaign
    }

    /// `POST /v1/campaigns`: creates a campaign (template, sender, schedule) and adds the recipients given as a JSON list.
    /// Larger lists go in CSV uploads to `/v1/campaigns/{id}/recipients`.
    @Sendable func createCampaign(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let body: CampaignRequestJSON = try await Self.decode(request, context: context)
        let campaign = try await newCampaign(name: body.name, template: body.template, channel: body.channel, from: body.from, category: body.category,
                                             tag: body.tag, sendAt: body.sendAt, validityMinutes: body.validityMinutes, callbackURL: body.callbackURL,
                                             paused: body.paused == true, context: context)
        let recipients = body.recipients ?? []
        var rows: [CampaignUpload.Row] = []
        rows.reserveCapacity(recipients.count)
        for (index, recipient) in recipients.enumerated() {
            rows.append(CampaignUpload.Row(line: index + 1, to: recipient.to ?? "", variables: recipient.variables?.values ?? [:]))
        }
        let upload = CampaignUpload(gateway: gateway, campaign: campaign, settings: account.settings)
        let report = try await upload.upload(rows: rows)
        return try Self.encode(CampaignUploadJSON(report, campaign: try await summary(stored(campaign))), status: .created)
    }

    /// `POST /v1/campaigns/{id}/recipients`: adds recipients from a CSV body (streamed: read and stored in chunks as it
    /// arrives, up to 1,000,000 rows) or a JSON `{"recipients": [...]}`.
    @Sendable func addCampaignRecipients(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let campaign = try await requireCampaign(context, accountID: account.id)
        guard campaign.state != .canceled else {
            throw APIProblem(status: .conflict, type: "campaign-canceled", title: "Campaign canceled", detail: "campaign \(campaign.id) is canceled",
                             field: "id", fix: "create a new campaign for these recipients")
        }
        let upload = CampaignUpload(gateway: gateway, campaign: campaign, settings: account.settings)
        let report: CampaignUpload.Report
        do {
            if request.headers[.contentType]?.lowercased().hasPrefix("text/csv") == true {
                report = try await upload.upload(csv: request.body.map(\.readableBytesView))
            } else {
                struct Body: StrictBody {
                    var recipients: [CampaignRequestJSON.Recipient]?
                    static var fields: [String: BodyField] { ["recipients": .array(CampaignRequestJSON.Recipient.self)] }
                }
                let body: Body = try await Self.decode(request, context: context)
                guard let recipients = body.recipients else {
                    throw APIProblem.invalid(FieldError(field: "recipients", problem: "recipients is missing",
                                                        fix: "send {\"recipients\": [{\"to\": \"+447400123456\", \"variables\": {...}}]} or a CSV body with Content-Type: text/csv"))
                }
                report = try await upload.upload(rows: recipients.enumerated().map {
                    CampaignUpload.Row(line: $0.offset + 1, to: $0.element.to ?? "", variables: $0.element.variables?.values ?? [:])
                })
            }
        } catch let failure as CampaignUpload.Failure {
            throw APIProblem.invalid(failure.error)
        }
        return try Self.encode(CampaignUploadJSON(report, campaign: try await summary(stored(campaign))))
    }

    /// `GET /v1/campaigns`: the campaign log, newest first, each with its counts.
    @Sendable func listCampaigns(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let query = request.uri.queryParameters
        let limit = try Self.limit(query["limit"].map(String.init), default: 20)
        var page = try await store.campaigns(accountID: account.id, before: query["cursor"].map(String.init), limit: limit + 1)
        let hasMore = page.count > limit
        if hasMore { page.removeLast() }
        var data: [CampaignJSON] = []
        for campaign in page { data.append(try await summary(campaign)) }
        struct Page: Encodable {
            var data: [CampaignJSON]
            var nextCursor: String?
            enum CodingKeys: String, CodingKey { case data, nextCursor = "next_cursor" }
        }
        return try Self.encode(Page(data: data, nextCursor: hasMore ? page.last?.id : nil))
    }

    /// `GET /v1/campaigns/{id}`: one campaign with its counts by status and reason, delivery rate, cost and progress.
    @Sendable func showCampaign(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        return try Self.encode(try await summary(try await requireCampaign(context, accountID: account.id)))
    }

    /// `GET /v1/campaigns/{id}/messages`: the campaign's messages, newest first, filtered like the message log
    /// (`status`, `reason`, `to`, ...), each with its status and reason.
    @Sendable func campaignMessages(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let campaign = try await requireCampaign(context, accountID: account.id)
        var filter = try Self.messageFilter(request, accountID: account.id)
        filter.campaignID = campaign.id
        return try await messagePage(request, filter: filter)
    }

    @Sendable public func pauseCampaign(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        try await changeCampaign(to: .paused, context: context)
    }

    @Sendable public func resumeCampaign(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        try await changeCampaign(to: .running, context: context)
    }

    @Sendable public func cancelCampaign(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        try await changeCampaign(to: .canceled, context: context)
    }

    /// Pause, resume or cancel; answers the campaign and how many messages the change held, released or canceled.
    private func changeCampaign(to state: CampaignState, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let id = try context.parameters.require("id")
        guard let change = try await store.setCampaignState(id: id, accountID: account.id, to: state, now: Date()) else {
            throw APIProblem.notFound("campaign", id: id)
        }
        guard change.campaign.state == state else {
            throw APIProblem(status: .conflict, type: "campaign-canceled", title: "Campaign canceled",
                             detail: "campaign \(id) is canceled and cannot be \(state == .paused ? "paused" : "resumed")", field: "id",
                             fix: "create a new campaign to send again")
        }
        if state == .running { gateway.wake() }
        // The campaign in its one shape (as GET answers it), with how many messages this request held, released or canceled.
        var campaign = try await summary(change.campaign)
        campaign.changedMessages = change.messages
        return try Self.encode(campaign)
    }

    /// The campaign as stored now (its totals, such as invalid rows, after an upload added to them).
    private func stored(_ campaign: Campaign) async throws -> Campaign {
        try await store.campaign(id: campaign.id, accountID: campaign.accountID) ?? campaign
    }

    private func requireCampaign(_ context: HeraldRequestContext, accountID: String) async throws -> Campaign {
        let id = try context.parameters.require("id")
        guard let campaign = try await store.campaign(id: id, accountID: accountID) else { throw APIProblem.notFound("campaign", id: id) }
        return campaign
    }

    private func summary(_ campaign: Campaign) async throws -> CampaignJSON {
        CampaignJSON(CampaignSummary(campaign: campaign, counts: try await store.campaignCounts(campaignID: campaign.id)), currency: gateway.prices.currency)
    }
}
