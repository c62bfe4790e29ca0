import Foundation
import HeraldCore
import HeraldJSON
import HeraldStore

/// The JSON body of a send request (`POST /v1/messages`, items of `POST /v1/messages/batch`).
struct SendRequestJSON: Decodable {
    var channel: String?
    var to: String?
    var from: String?
    var subject: String?
    var text: String?
    var tag: String?
    var sendAt: String?
    var validityMinutes: Int?
    var callbackURL: String?
    var smartEncoding: Bool?
    var category: String?
    var template: String?
    var variables: TemplateVariables?
    var html: String?
    var replyTo: String?
    var headers: [String: String]?
    var attachments: [AttachmentJSON]?
    var trackOpens: Bool?
    var trackClicks: Bool?
    var chatTemplate: ChatTemplateJSON?

    /// A chat message sent as a provider-approved template: `{"name": "order_shipped", "language": "en_US", "parameters": ["Ann", "42"]}`.
    struct ChatTemplateJSON: Decodable {
        var name: String?
        var language: String?
        var parameters: [String]?
    }

    /// One attachment of an e-mail: `{"filename": "invoice.pdf", "content_type": "application/pdf", "content": "<base64>"}`.
    struct AttachmentJSON: Decodable {
        var filename: String?
        var contentType: String?
        var content: String?
        enum CodingKeys: String, CodingKey {
            case filename, content
            case contentType = "content_type"
        }
    }

    enum CodingKeys: String, CodingKey {
        case channel, to, from, subject, text, tag, category, template, variables, html, headers, attachments
        case replyTo = "reply_to", trackOpens = "track_opens", trackClicks = "track_clicks", chatTemplate = "chat_template"
        case sendAt = "send_at", validityMinutes = "validity_minutes", callbackURL = "callback_url", smartEncoding = "smart_encoding"
    }

    func request(field prefix: String = "") throws -> SendRequest {
        var sendDate: Date?
        if let sendAt {
            guard let date = Timestamp.parse(sendAt) else {
                throw APIProblem.invalid(FieldError(field: prefix + "send_at", problem: "'\(sendAt)' is not a timestamp", fix: "use RFC 3339, e.g. 2026-11-22T18:00:00Z"))
            }
            sendDate = date
        }
        var messageCategory = MessageCategory.transactional
        if let category {
            guard let known = MessageCategory(rawValue: category.lowercased()), known != .keywordReply else {
                throw APIProblem.invalid(FieldError(field: prefix + "category", problem: "unknown category '\(category)'", fix: "use transactional or promotional"))
            }
            messageCategory = known
        }
        if let template, !MessageTemplate.isValidName(template) {
            throw APIProblem.invalid(FieldError(field: prefix + "template", problem: "'\(template)' is not a template name", fix: "use 1 to 64 letters, digits, '-', '_' or '.'"))
        }
        if template != nil, text != nil {
            throw APIProblem.invalid(FieldError(field: prefix + "text", problem: "both text and template are set", fix: "send either text or template with variables"))
        }
        var request = SendRequest(channel: channel, to: to, from: from, subject: subject, text: text, tag: tag, sendAt: sendDate,
                                  validityMinutes: validityMinutes, callbackURL: callbackURL, smartEncoding: smartEncoding,
                                  category: messageCategory, template: template, variables: variables?.values ?? [:])
        request.html = html
        request.replyTo = replyTo
        var options = MessageOptions(headers: headers ?? [:], trackOpens: trackOpens, trackClicks: trackClicks)
        for (index, attachment) in (attachments ?? []).enumerated() {
            for (value, name) in [(attachment.filename, "filename"), (attachment.content, "content")] where value == nil {
                throw APIProblem.invalid(FieldError(field: prefix + "attachments[\(index)].\(name)", problem: "\(name) is missing",
                                                    fix: "give filename and content (base64), and content_type if not application/octet-stream"))
            }
            options.attachments.append(.init(filename: attachment.filename ?? "", contentType: attachment.contentType ?? "application/octet-stream",
                                             content: attachment.content ?? ""))
        }
        if let template = chatTemplate {
            for (value, name) in [(template.name, "name"), (template.language, "language")] where value == nil {
                throw APIProblem.invalid(FieldError(field: prefix + "chat_template.\(name)", problem: "\(name) is missing",
                                                    fix: "give the approved template's name and language, and its body parameters in order"))
            }
            options.chatTemplate = ChatTemplate(name: template.name ?? "", language: template.language ?? "", parameters: template.parameters ?? [])
        }
        request.messageOptions = options.isEmpty ? nil : options
        return request
    }
}

/// Template variables: strings, numbers and booleans, all used as text.
struct TemplateVariables: Decodable {
    var values: [String: String]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var values: [String: String] = [:]
        for key in container.allKeys {
            if let text = try? container.decode(String.self, forKey: key) {
                values[key.stringValue] = text
            } else if let number = try? container.decode(Int64.self, forKey: key) {
                values[key.stringValue] = String(number)
            } else if let number = try? container.decode(Double.self, forKey: key) {
                values[key.stringValue] = String(number)
            } else if let flag = try? container.decode(Bool.self, forKey: key) {
                values[key.stringValue] = String(flag)
            } else {
                throw DecodingError.typeMismatch(String.self, .init(codingPath: container.codingPath + [key],
                                                                    debugDescription: "a template variable is a string, a number or a boolean"))
            }
        }
        self.values = values
    }
}

struct BatchRequestJSON: Decodable {
    var messages: [SendRequestJSON]?
}

struct CostJSON: JSONWritable {
    var amount: String
    var currency: String
    var billableSegments: Int
    var pricePerSegment: String
    /// On reads of one message: what each provider message cost as its provider reported it (HTTP providers' receipts).
    var providerReported: [ProviderPriceRecord]?
}

struct PartJSON: JSONWritable {
    var index: Int
    var status: String
    var reason: ReasonJSON?
    var providerMessageID: String?
    var connector: String?
    var conflict: Bool
}

/// The JSON form of a message: status, reason, cost, parts and (on reads) the timeline.
struct MessageJSON: JSONWritable {
    var id: String
    var channel: String
    var to: String
    var from: String?
    var subject: String?
    var text: String
    var html: String?
    var replyTo: String?
    /// E-mail: custom headers, attachments (name, type and size; the content is not repeated), tracking.
    var messageOptions: MessageOptions?
    var tag: String?
    var campaignID: String?
    var status: String
    var final: Bool
    var reason: ReasonJSON?
    var provider: ProviderDetail?
    /// Herald's own words about the decisive event (a gate's finding, a cancel), never mixed with the provider's.
    var explanation: String?
    var segments: Int
    var encoding: String?
    var characters: Int
    var cost: CostJSON
    var billable: Bool
    var nextAttemptAt: String?
    var conflict: Bool
    var engagement: [String]
    /// How often it was opened and clicked (one message read only).
    var engagementCounts: [EngagementCount]?
    var createdAt: String
    var updatedAt: String
    var sendAt: String?
    var expiresAt: String
    var callbackURL: String?
    var parts: [PartJSON]?
    var timeline: [EventJSON]?

    init(_ message: MessageRecord, vocabulary: Vocabulary, currency: String, parts: [PartRecord]? = nil, events: [StatusEvent]? = nil,
         providerPrices: [ProviderPriceRecord]? = nil, engagementCounts: [EngagementCount]? = nil) {
        id = message.id
        self.engagementCounts = engagementCounts
        channel = message.channel.rawValue
        to = message.to
        from = message.from
        subject = message.subject
        text = message.text
        html = message.html
        replyTo = message.replyTo
        messageOptions = message.messageOptions
        tag = message.tag
        campaignID = message.campaignID
        status = vocabulary.word(for: message.status, reason: message.reason, engagement: message.engagement)
        final = message.status.isFinal
        reason = ReasonJSON(message.reason)
        segments = message.segments
        encoding = message.encoding
        characters = message.characters
        cost = CostJSON(amount: PriceTable.decimal(message.costMicros), currency: currency, billableSegments: message.billedSegments,
                        pricePerSegment: PriceTable.decimal(message.priceMicros), providerReported: providerPrices)
        billable = message.billable
        nextAttemptAt = message.nextAttemptAt.map(Timestamp.format)
        conflict = message.hasConflict
        engagement = message.engagement.map(\.rawValue).sorted()
        createdAt = Timestamp.format(message.createdAt)
        updatedAt = Timestamp.format(message.updatedAt)
        sendAt = message.sendAt.map(Timestamp.format)
        expiresAt = Timestamp.format(message.expiresAt)
        callbackURL = message.callbackURL
        self.parts = parts.map { parts in
            parts.map {
                PartJSON(index: $0.index, status: vocabulary.word(for: $0.state.status, reason: $0.state.reason, engagement: $0.state.engagement),
                         reason: ReasonJSON($0.state.reason), providerMessageID: $0.state.providerMessageID,
                         connector: $0.state.connector, conflict: $0.state.hasConflict)
            }
        }
        if let events {
            timeline = Self.timeline(events, partCount: max(1, message.segments), vocabulary: vocabulary)
            // The raw detail of the event that decided the status (or the latest one that carried any).
            let decisive = parts?.compactMap { part in events.first { $0.id == part.state.evidence.eventID } }.last
            let said = decisive?.detail != nil ? decisive : events.last(where: { $0.detail != nil })
            if let said, said.source.speaksForProvider { provider = said.detail } else { explanation = said?.detail?.explanation }
            if nextAttemptAt == nil, message.status == .deferred {
                nextAttemptAt = events.last(where: { $0.nextAttemptAt != nil })?.nextAttemptAt.map(Timestamp.format)
            }
        }
    }

    /// Replays the events in recorded order to say what each one did.
    static func timeline(_ events: [StatusEvent], partCount: Int, vocabulary: Vocabulary) -> [EventJSON] {
        var parts = Array(repeating: PartState.initial, count: partCount)
        return events.map { event in
            let effect = MessageLedger.apply(event, to: &parts)
            return EventJSON(event, vocabulary: vocabulary, position: .timeline(effect: effect.rawValue))
        }
    }
}

/// `NewMessage` as a record, for the answer to a send without reading it back.
extension MessageRecord {
    init(new message: NewMessage) {
        let draft = message.draft
        self.init(
            id: message.id, accountID: message.accountID, channel: draft.channel, to: draft.to, from: draft.from, subject: draft.subject,
            text: draft.text, tag: draft.tag, status: draft.initialStatus, reason: draft.rejection, segments: max(1, draft.segments),
            encoding: draft.encoding, characters: draft.characters, billedSegments: 0, priceMicros: message.priceMicros,
            hasConflict: false, engagement: [], createdAt: message.createdAt, updatedAt: message.createdAt, sendAt: draft.sendAt,
            expiresAt: message.expiresAt, callbackURL: draft.callbackURL, idempotencyKey: message.idempotencyKey
        )
        html = draft.html
        replyTo = draft.replyTo
        messageOptions = draft.messageOptions
    }
}

extension CostJSON {
    func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("amount", amount)
            writer.field("currency", currency)
            writer.field("billable_segments", billableSegments)
            writer.field("price_per_segment", pricePerSegment)
            if let providerReported {
                writer.key("provider_reported")
                writer.array(providerReported) { writer, record in
                    writer.object { writer in
                        writer.field("connector", record.connector)
                        writer.field("provider_message_id", record.providerMessageID)
                        writer.optionalField("amount", record.price.amount)
                        writer.optionalField("currency", record.price.currency)
                        writer.optionalField("category", record.price.category)
                    }
                }
            }
        }
    }
}

extension PartJSON {
    func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("index", index)
            writer.field("status", status)
            writer.optionalField("reason", reason)
            writer.optionalField("provider_message_id", providerMessageID)
            writer.optionalField("connector", connector)
            writer.field("conflict", conflict)
        }
    }
}

extension MessageJSON {
    func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("id", id)
            writer.field("channel", channel)
            writer.field("to", to)
            writer.optionalField("from", from)
            writer.optionalField("subject", subject)
            writer.field("text", text)
            writer.optionalField("html", html)
            writer.optionalField("reply_to", replyTo)
            if let messageOptions {
                if !messageOptions.headers.isEmpty {
                    writer.key("headers")
                    writer.object { writer in
                        for (name, value) in messageOptions.headers.sorted(by: { $0.key < $1.key }) {
                            writer.dynamicKey(name)
                            writer.string(value)
                        }
                    }
                }
                if !messageOptions.attachments.isEmpty {
                    writer.key("attachments")
                    writer.array(messageOptions.attachments) { writer, attachment in
                        writer.object { writer in
                            writer.field("filename", attachment.filename)
                            writer.field("content_type", attachment.contentType)
                            writer.field("size", attachment.size)
                        }
                    }
                }
                if let trackOpens = messageOptions.trackOpens { writer.field("track_opens", trackOpens) }
                if let trackClicks = messageOptions.trackClicks { writer.field("track_clicks", trackClicks) }
                if let template = messageOptions.chatTemplate {
                    writer.key("chat_template")
                    writer.object { writer in
                        writer.field("name", template.name)
                        writer.field("language", template.language)
                        writer.key("parameters")
                        writer.array(template.parameters) { writer, value in writer.string(value) }
                    }
                }
            }
            writer.optionalField("tag", tag)
            writer.optionalField("campaign_id", campaignID)
            writer.field("status", status)
            writer.field("final", final)
            writer.optionalField("reason", reason)
            writer.optionalField("provider", provider)
            writer.optionalField("explanation", explanation)
            writer.field("segments", segments)
            writer.optionalField("encoding", encoding)
            writer.field("characters", characters)
            writer.key("cost")
            cost.write(to: &writer)
            writer.field("billable", billable)
            writer.optionalField("next_attempt_at", nextAttemptAt)
            writer.field("conflict", conflict)
            writer.key("engagement")
            writer.array(engagement) { writer, value in writer.string(value) }
            if let engagementCounts {
                writer.key("engagement_counts")
                writer.array(engagementCounts) { writer, count in
                    writer.object { writer in
                        writer.field("engagement", count.engagement.rawValue)
                        writer.field("count", count.count)
                        writer.field("first_at", Timestamp.format(count.firstAt))
                        writer.field("last_at", Timestamp.format(count.lastAt))
                    }
                }
            }
            writer.field("created_at", createdAt)
            writer.field("updated_at", updatedAt)
            writer.optionalField("send_at", sendAt)
            writer.field("expires_at", expiresAt)
            writer.optionalField("callback_url", callbackURL)
            if let parts {
                writer.key("parts")
                writer.array(parts) { writer, part in part.write(to: &writer) }
            }
            if let timeline {
                writer.key("timeline")
                writer.array(timeline) { writer, event in event.write(to: &writer) }
            }
        }
    }
}
