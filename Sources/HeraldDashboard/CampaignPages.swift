import Foundation
import HeraldCore
import HeraldHTTP
import HeraldStore
import Hummingbird

/// The campaigns list and one campaign's report: counts by status and by reason (a bar chart drawn as SVG here), each
/// count a link to the log filtered to those messages, cost and progress, and pause / resume / cancel.
extension DashboardPages {
    func campaigns(_ request: Request, context: HeraldRequestContext, store: any HeraldStore, csrf: String, error: String? = nil,
                   status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let account = context.account else { return problem(.unauthorized, heading: "Signed out", detail: "Sign in again.") }
        let cursor = request.uri.queryParameters["cursor"].map(String.init)
        var page = try await store.campaigns(accountID: account.id, before: cursor, limit: 26)
        let hasMore = page.count > 25
        if hasMore { page.removeLast() }
        var rows: [[String: Any]] = []
        for campaign in page {
            let counts = try await store.campaignCounts(campaignID: campaign.id)
            rows.append([
                "id": campaign.id, "name": campaign.name, "state": campaign.state.rawValue, "created": Self.short(campaign.createdAt),
                "total": counts.total, "final": counts.final, "progress": Self.percent(counts.total == 0 ? nil : Double(counts.final) / Double(counts.total)),
                "deliveryRate": Self.percent(counts.deliveryRate), "cost": PriceTable.decimal(counts.costMicros) + " " + currency,
            ])
        }
        var view = header(context, title: "Campaigns", csrf: csrf)
        view["onCampaigns"] = true
        view["rows"] = rows
        view["error"] = error as Any
        if context.key?.scopes.contains(.send) == true {
            view["templates"] = try await store.templates(accountID: account.id).map(\.name)
            view["canCreate"] = true
        }
        if hasMore, let last = page.last { view["older"] = "/campaigns?" + Self.queryString([("cursor", last.id)]) }
        return render("campaigns", view, status: status)
    }

    func campaign(_ id: String, context: HeraldRequestContext, store: any HeraldStore, csrf: String) async throws -> Response {
        guard let account = context.account, let campaign = try await store.campaign(id: id, accountID: account.id) else {
            return problem(.notFound, heading: "No such campaign", detail: "There is no campaign \(id) in this account.")
        }
        let counts = try await store.campaignCounts(campaignID: campaign.id)
        var view = header(context, title: campaign.name, csrf: csrf)
        view["onCampaigns"] = true
        view["live"] = "main"
        view["id"] = campaign.id
        view["name"] = campaign.name
        view["state"] = campaign.state.rawValue
        view["template"] = campaign.template
        view["created"] = Timestamp.format(campaign.createdAt)
        view["total"] = counts.total
        view["final"] = counts.final
        view["invalidRows"] = campaign.invalidRows
        view["progress"] = Self.percent(counts.total == 0 ? nil : Double(counts.final) / Double(counts.total))
        view["progressValue"] = counts.final
        view["deliveryRate"] = Self.percent(counts.deliveryRate)
        view["cost"] = PriceTable.decimal(counts.costMicros) + " " + currency
        let byStatus = MessageStatus.allCases.compactMap { status in counts.byStatus[status].map { (status.rawValue, $0) } }
        view["statusBars"] = Self.bars(byStatus, title: "Messages by status") { "/?" + Self.queryString([("campaign", campaign.id), ("status", $0)]) }
        let byReason = counts.byReason.sorted { $0.value == $1.value ? $0.key.rawValue < $1.key.rawValue : $0.value > $1.value }.map { ($0.key.rawValue, $0.value) }
        view["reasonBars"] = Self.bars(byReason, title: "Messages by reason") { "/?" + Self.queryString([("campaign", campaign.id), ("reason", $0)]) }
        view["hasReasons"] = !byReason.isEmpty
        view["timeline"] = Self.timeline(try await store.campaignProgress(campaignID: campaign.id)) as Any
        let sends = context.key?.scopes.contains(.send) == true
        view["canPause"] = sends && campaign.state == .running
        view["canResume"] = sends && campaign.state == .paused
        view["canCancel"] = sends && campaign.state != .canceled
        return render("campaign", view)
    }

    /// Delivered over time as stacked columns (delivered, then otherwise final), at most 60: each column a minute, or 5,
    /// 15 or 60 minutes, 6 hours or a day, whichever fits the campaign's span. nil: nothing final yet.
    static func timeline(_ rows: [CampaignProgress.Row]) -> [String: Any]? {
        guard let first = rows.map(\.key.minute).min(), let last = rows.map(\.key.minute).max() else { return nil }
        let step = Int64([1, 5, 15, 60, 360, 1_440].first { (last / $0 - first / $0 + 1) <= 60 } ?? 1_440)
        let start = first / step
        let count = Int(last / step - start + 1)
        var delivered = [Int](repeating: 0, count: count), other = [Int](repeating: 0, count: count)
        for row in rows {
            let index = Int(row.key.minute / step - start)
            if row.key.status == MessageStatus.delivered.rawValue { delivered[index] += row.count } else { other[index] += row.count }
        }
        let tallest = max(1, zip(delivered, other).map { $0 + $1 }.max() ?? 1)
        // Columns at least a thirtieth of the chart wide, so a campaign that ended within minutes shows narrow bars.
        let width = 600 / max(count, 30)
        let columns: [[String: Any]] = (0..<count).map { index in
            let deliveredHeight = delivered[index] * 100 / tallest, otherHeight = other[index] * 100 / tallest
            let at = Date(timeIntervalSince1970: TimeInterval((start + Int64(index)) * step * 60))
            return ["x": index * width, "width": max(1, width - 1), "deliveredY": 100 - deliveredHeight, "deliveredHeight": deliveredHeight,
                    "otherY": 100 - deliveredHeight - otherHeight, "otherHeight": otherHeight,
                    "title": "\(Self.short(at)): \(delivered[index]) delivered, \(other[index]) otherwise final"]
        }
        let label = step == 1 ? "minute" : step < 60 ? "\(step) minutes" : step == 60 ? "hour" : step == 360 ? "6 hours" : "day"
        return ["columns": columns, "step": label, "from": Self.short(Date(timeIntervalSince1970: TimeInterval(start * step * 60))),
                "until": Self.short(Date(timeIntervalSince1970: TimeInterval((last / step + 1) * step * 60))), "delivered": delivered.reduce(0, +)]
    }

    /// Bars of a horizontal SVG chart, widths in per cent of the largest count, each with the link to its messages.
    static func bars(_ counts: [(String, Int)], title: String, link: (String) -> String) -> [String: Any] {
        let largest = max(counts.map(\.1).max() ?? 1, 1)
        let rowHeight = 28
        let rows: [[String: Any]] = counts.enumerated().map { index, entry in
            ["label": entry.0, "count": entry.1, "link": link(entry.0), "y": index * rowHeight, "textY": index * rowHeight + 18,
             "width": max(1, entry.1 * 300 / largest), "countX": 170 + max(1, entry.1 * 300 / largest) + 6,
             "statusClass": entry.0.lowercased()]
        }
        return ["rows": rows, "height": max(rowHeight, counts.count * rowHeight), "title": title]
    }

    static func percent(_ fraction: Double?) -> String {
        guard let fraction else { return "–" }
        return String(format: "%.1f %%", fraction * 100)
    }
}
