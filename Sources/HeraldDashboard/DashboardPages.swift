import Foundation
import HeraldCore
import HeraldHTTP
import HeraldStore
import Hummingbird
import Mustache

/// Builds each page's view from what the store holds and renders it: the message log and one message's story.
struct DashboardPages: Sendable {
    let templates: MustacheLibrary
    let currency: String
    /// The configured connectors' names, offered by the log's connector filter.
    let connectorNames: [String]

    /// A log filter as the form gives it: canonical statuses, reason codes, dates as YYYY-MM-DD (whole UTC days).
    struct LogFilter {
        var status = "", reason = "", channel = "", to = "", from = "", connector = "", tag = "", campaign = "", since = "", until = ""
        var vocabulary = Vocabulary.canonical, cursor = ""
        var problems: [String] = []

        init(_ request: Request) {
            let query = request.uri.queryParameters
            func text(_ name: String) -> String { query[Substring(name)].map { String($0).trimmingCharacters(in: .whitespaces) } ?? "" }
            (status, reason, to, tag, campaign, since, until, cursor) = (text("status").uppercased(), text("reason").uppercased(), text("to"), text("tag"),
                                                                         text("campaign"), text("since"), text("until"), text("cursor"))
            (channel, from, connector) = (text("channel").lowercased(), text("from"), text("connector"))
            if let words = Vocabulary(rawValue: String(text("vocabulary"))) { vocabulary = words }
        }

        mutating func query(accountID: String) -> MessageQuery {
            var query = MessageQuery(accountID: accountID, limit: 51)
            if !status.isEmpty {
                if let known = MessageStatus(rawValue: status) { query.status = known } else { problems.append("'\(status)' is not a status.") }
            }
            if !reason.isEmpty {
                if let known = ReasonCode(rawValue: reason) { query.reason = known } else { problems.append("'\(reason)' is not a reason code (see /v1/reasons).") }
            }
            if !channel.isEmpty {
                if let known = Channel(rawValue: channel) { query.channel = known } else { problems.append("'\(channel)' is not a channel.") }
            }
            if !to.isEmpty { query.to = to }
            if !from.isEmpty { query.from = from }
            if !connector.isEmpty { query.connector = connector }
            if !tag.isEmpty { query.tag = tag }
            if !campaign.isEmpty { query.campaignID = campaign }
            if !since.isEmpty {
                if let day = Self.day(since) { query.since = day } else { problems.append("'\(since)' is not a date (YYYY-MM-DD).") }
            }
            if !until.isEmpty {
                if let day = Self.day(until) { query.until = day.addingTimeInterval(86_400) } else { problems.append("'\(until)' is not a date (YYYY-MM-DD).") }
            }
            if !cursor.isEmpty { query.before = cursor }
            return query
        }

        static func day(_ text: String) -> Date? { Timestamp.parse(text + "T00:00:00Z") }

        /// The same view's query string, without the cursor (for the next page and the CSV export).
        var pairs: [(String, String)] {
            [("status", status), ("reason", reason), ("channel", channel), ("to", to), ("from", from), ("connector", connector), ("tag", tag), ("campaign", campaign),
             ("since", since.isEmpty ? "" : since + "T00:00:00Z"), ("until", until.isEmpty || Self.day(until) == nil ? "" : Timestamp.format(Self.day(until)!.addingTimeInterval(86_400)))]
                .filter { !$0.1.isEmpty }
        }
    }

    static func queryString(_ pairs: [(String, String)]) -> String {
        var components = URLComponents()
        components.queryItems = pairs.map { URLQueryItem(name: $0.0, value: $0.1) }
        return components.percentEncodedQuery ?? ""
    }

    func header(_ context: HeraldRequestContext, title: String, csrf: String) -> [String: Any] {
        ["title": title, "account": context.account?.name as Any, "operator": context.role == .operator, "csrf": csrf,
         "kinds": (MessageStatus.allCases.map(\.rawValue) + Engagement.allCases.map(\.rawValue)).joined(separator: ",")]
    }

    func log(_ request: Request, context: HeraldRequestContext, store: any HeraldStore, csrf: String) async throws -> Response {
        guard let own = context.account else { return problem(.unauthorized, heading: "Signed out", detail: "Sign in again.") }
        var filter = LogFilter(request)
        guard let account = try await viewedAccount(request, context: context, store: store) else {
            return problem(.notFound, heading: "No such account", detail: "There is no account with that name.")
        }
        var query = filter.query(accountID: account.id)
        query.scanLimit = MessageQuery.pageScan
        let read = filter.problems.isEmpty ? try await store.messagePage(matching: query) : MessagePage(records: [], readTo: nil)
        var page = read.records
        let hasMore = page.count > 50
        if hasMore { page.removeLast() }
        // Channel, sender and connector read a bounded stretch of the log: a short page offers to search on from there.
        let searchedTo = hasMore ? nil : read.readTo
        let words = filter.vocabulary
        let rows: [[String: Any]] = page.map { message in
            [
                "id": message.id, "created": Timestamp.format(message.createdAt), "createdShort": Self.short(message.createdAt),
                "channel": message.channel.rawValue, "to": message.to,
                "status": words.word(for: message.status, reason: message.reason, engagement: message.engagement),
                "statusClass": message.status.rawValue.lowercased(), "reason": message.reason?.rawValue as Any,
                "reasonMeaning": message.reason.map { ReasonCatalogue.entry(for: $0).meaning } as Any,
                "cost": PriceTable.decimal(message.costMicros) + " " + currency,
            ]
        }
        var view = header(context, title: "Messages", csrf: csrf)
        view["onLog"] = true
        // Live on the first page only (an older page stays as it was read), and for the signed-in account's own log.
        if filter.cursor.isEmpty, account.id == own.id { view["live"] = "log-rows" }
        if context.role == .operator {
            view["accounts"] = try await store.accounts().map { ["name": $0.name, "selected": $0.id == account.id] }
            view["hasAccounts"] = true
        }
        view["accountQuery"] = account.id == own.id ? "" : "?" + Self.queryString([("account", account.name)])
        view["filter"] = ["reason": filter.reason, "to": filter.to, "from": filter.from, "connector": filter.connector, "tag": filter.tag, "campaign": filter.campaign,
                          "since": filter.since, "until": filter.until]
        view["channels"] = Channel.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == filter.channel] }
        view["connectorNames"] = connectorNames
        view["statuses"] = MessageStatus.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == filter.status] }
        view["vocabularies"] = Vocabulary.allCases.map { ["value": $0.rawValue, "selected": $0 == words] }
        view["rows"] = rows
        view["problem"] = filter.problems.isEmpty ? nil : filter.problems.joined(separator: " ")
        var next = filter.pairs + (account.id == own.id ? [] : [("account", account.name)])
        if words != .canonical { next.append(("vocabulary", words.rawValue)) }
        if hasMore, let last = page.last { view["older"] = "/?" + Self.queryString(next + [("cursor", last.id)]) }
        if let searchedTo {
            view["searchOn"] = "/?" + Self.queryString(next + [("cursor", searchedTo)])
            view["searchedTo"] = HeraldID.date(of: searchedTo).map(Self.short) ?? searchedTo
            view["searched"] = MessageQuery.pageScan
        }
        view["exportURL"] = "/export.csv?" + Self.queryString([("format", "csv")] + filter.pairs)
        return render("messages", view, status: filter.problems.isEmpty ? .ok : .badRequest)
    }

    /// The account a page shows: the signed-in one, or (operator keys) the one `?account=NAME` names; nil: no such account.
    func viewedAccount(_ request: Request, context: HeraldRequestContext, store: any HeraldStore) async throws -> Account? {
        guard let own = context.account else { return nil }
        guard context.role == .operator, let name = request.uri.queryParameters["account"].map(String.init), !name.isEmpty, name != own.name else { return own }
        return try await store.account(named: name)
    }

    func message(_ id: String, request: Request, context: HeraldRequestContext, store: any HeraldStore, csrf: String) async throws -> Response {
        guard let account = try await viewedAccount(request, context: context, store: store),
              let (message, events) = try await store.messageWithEvents(id: id, accountID: account.id) else {
            return problem(.notFound, heading: "No such message", detail: "There is no message \(id) in this account.")
        }
        var view = header(context, title: "Message \(message.id)", csrf: csrf)
        view["live"] = "main"
        view["id"] = message.id
        view["status"] = message.status.rawValue
        view["statusClass"] = message.status.rawValue.lowercased()
        view["final"] = message.status.isFinal
        view["statusMeaning"] = message.status.meaning
        if let reason = message.reason {
            let info = ReasonCatalogue.entry(for: reason)
            view["reason"] = ["code": reason.rawValue, "meaning": info.meaning, "resolution": info.resolution]
        }
        view["cancelable"] = [.scheduled, .queued, .deferred].contains(message.status) && context.key?.scopes.contains(.send) == true
            && account.id == context.account?.id
        if account.id != context.account?.id { view.removeValue(forKey: "live"); view["viewing"] = account.name }
        view["channel"] = message.channel.rawValue
        view["to"] = message.to
        view["from"] = message.from as Any
        view["subject"] = message.subject as Any
        view["text"] = message.text
        view["created"] = Timestamp.format(message.createdAt)
        view["expires"] = Timestamp.format(message.expiresAt)
        view["segments"] = message.segments
        view["encoding"] = message.encoding as Any
        view["cost"] = PriceTable.decimal(message.costMicros) + " " + currency
        view["billing"] = message.billable ? "billed (\(message.billedSegments) segment\(message.billedSegments == 1 ? "" : "s"))" : "not billed"
        view["tag"] = message.tag as Any
        view["campaign"] = message.campaignID as Any
        // Opens and clicks counted (the timeline shows the first of each).
        if EngagementCount.mayHaveCounts(message.engagement) {
            view["engagement"] = try await store.engagementCounts(messageID: message.id).map { count in
                "\(count.engagement.rawValue.lowercased()) \(count.count)× (first \(Self.short(count.firstAt)), last \(Self.short(count.lastAt)))"
            }.joined(separator: "; ")
        }
        let parts: [[String: Any]] = message.parts.enumerated().map { index, part in
            ["index": index, "status": part.status.rawValue, "statusClass": part.status.rawValue.lowercased(), "reason": part.reason?.rawValue ?? "",
             "connector": part.connector ?? "", "providerID": part.providerMessageID ?? ""]
        }
        view["hasParts"] = !parts.isEmpty
        view["parts"] = parts
        view["events"] = events.map { event -> [String: Any] in
            let detail = event.detail.map { detail in
                [detail.status.map { "status \($0)" }, detail.errorCode.map { "error \($0)" }, detail.text].compactMap { $0 }.joined(separator: " · ")
            }
            return [
                "at": Timestamp.format(event.occurredAt), "event": event.kind.rawValue, "statusClass": event.kind.rawValue.lowercased(),
                "part": event.part.map { String($0) } as Any, "source": event.source.rawValue, "reason": event.reason?.rawValue as Any,
                "reasonMeaning": event.reason.map { ReasonCatalogue.entry(for: $0).meaning } as Any, "connector": event.connector as Any,
                "providerID": event.providerMessageID as Any, "provider": (event.source.speaksForProvider && detail?.isEmpty == false ? detail : nil) as Any,
            ]
        }
        // The callbacks sent for its events, to the account's webhooks and the message's own callback URL.
        let targets = try await store.webhooks(accountID: account.id).map(\.id) + (message.callbackURL.map { ["url:" + $0] } ?? [])
        let kinds = Dictionary(events.map { ($0.id, $0.kind.rawValue) }, uniquingKeysWith: { first, _ in first })
        view["callbacks"] = try await store.deliveries(accountID: account.id, targets: targets, eventIDs: events.map(\.id)).map { delivery, attempts in
            [
                "event": kinds[delivery.eventID] ?? delivery.eventID, "url": delivery.url, "state": delivery.state.rawValue,
                "attempts": attempts.map { attempt in
                    ["at": Self.short(attempt.at), "code": attempt.statusCode.map { "HTTP \($0)" } ?? "no answer", "ms": attempt.latencyMs, "error": attempt.error as Any]
                },
            ] as [String: Any]
        }
        return render("message", view)
    }

    func render(_ template: String, _ view: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let html = templates.render(Self.present(view) ?? [:], withTemplate: template) ?? "<!doctype html><title>Herald</title><p>page \(template) is missing</p>"
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                                                  .init("Content-Security-Policy")!: "default-src 'self'; frame-ancestors 'none'",
                                                  .init("X-Content-Type-Options")!: "nosniff"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The view without its absent values: an optional that holds nothing is left out, so `{{#x}}` skips it and `{{x}}`
    /// renders nothing (the views are built with `as Any` from optionals).
    static func present(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let wrapped = mirror.children.first?.value else { return nil }
            return present(wrapped)
        }
        if let dictionary = value as? [String: Any] { return dictionary.compactMapValues { present($0) } }
        if let array = value as? [Any] { return array.compactMap { present($0) } }
        return value
    }

    func problem(_ status: HTTPResponse.Status, heading: String, detail: String, back: String? = nil) -> Response {
        render("problem", ["title": heading, "heading": heading, "detail": detail, "back": back as Any], status: status)
    }

    /// `2026-12-04 14:05:09` in UTC.
    static func short(_ date: Date) -> String {
        String(Timestamp.format(date).prefix(19)).replacingOccurrences(of: "T", with: " ")
    }
}
