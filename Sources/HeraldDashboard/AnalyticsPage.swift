import Foundation
import HeraldCore
import HeraldEngine
import HeraldHTTP
import HeraldStore
import Hummingbird

/// Delivery analytics: by connector, route, destination country or number range, for the last day (by hour) or the last 7 or 30
/// days (by day): messages that ended, delivered share, failures by reason, share that ended without a final receipt
/// (EXPIRED), and the time from submit to final (p50 / p90 / p99, the upper bounds of ``DeliveryStats`` buckets; from accept
/// for a message no provider took). Read from the
/// counters the ledger keeps, never from the messages.
extension DashboardPages {
    enum Grouping: String, CaseIterable {
        case connector, route, country, prefix
        var label: String {
            switch self {
            case .connector: "Connector"
            case .route: "Route"
            case .country: "Destination country"
            case .prefix: "Number range or domain"
            }
        }
        func value(_ key: DeliveryStats.Key, routes: RouteLabels) -> String {
            switch self {
            case .connector: key.connector.isEmpty ? "(none)" : key.connector
            case .route: routes.label(key)
            case .country: key.country.isEmpty ? "(unknown)" : key.country
            case .prefix: key.prefix.isEmpty ? "(unknown)" : key.prefix
            }
        }
    }

    enum Period: String, CaseIterable {
        case day = "24h", week = "7d", month = "30d"
        var seconds: TimeInterval { self == .day ? 86_400 : self == .week ? 7 * 86_400 : 30 * 86_400 }
        /// Hours per column of the time chart.
        var step: Int64 { self == .day ? 1 : 24 }
    }

    func analytics(_ request: Request, context: HeraldRequestContext, store: any HeraldStore, csrf: String, now: Date,
                   registry: ConnectorRegistry?) async throws -> Response {
        guard let own = context.account else { return problem(.unauthorized, heading: "Signed out", detail: "Sign in again.") }
        let query = request.uri.queryParameters
        let grouping = query["by"].flatMap { Grouping(rawValue: String($0)) } ?? .connector
        let period = query["period"].flatMap { Period(rawValue: String($0)) } ?? .day
        // An operator reads every account's figures unless it names one.
        var accountID: String? = own.id
        var accountName = own.name
        if context.role == .operator {
            if let name = query["account"].map(String.init), !name.isEmpty {
                guard let named = try await store.account(named: name) else { return problem(.notFound, heading: "No such account", detail: "There is no account \(name).") }
                accountID = named.id
                accountName = named.name
            } else {
                accountID = nil
                accountName = "every account"
            }
        }
        let since = now.addingTimeInterval(-period.seconds)
        let rows = try await store.deliveryStats(accountID: accountID, since: since, until: now)

        var groups: [String: [DeliveryStats.Row]] = [:]
        let names = grouping == .route ? try await store.accounts().reduce(into: [:]) { $0[$1.id] = $1.name } : [:]
        let routeLabels = RouteLabels(registry: registry, accountNames: names)
        for row in rows { groups[grouping.value(row.key, routes: routeLabels), default: []].append(row) }
        let table: [[String: Any]] = groups.map { name, rows in Self.summary(rows, name: name) }
            .sorted { ($0["total"] as? Int ?? 0, $0["name"] as? String ?? "") > ($1["total"] as? Int ?? 0, $1["name"] as? String ?? "") }

        // Delivered share per hour or day, oldest first, as bars.
        let firstHour = Int64((since.timeIntervalSince1970 / 3_600).rounded(.down)) / period.step * period.step
        let columns = Int(period.seconds / 3_600) / Int(period.step) + 1
        var delivered = [Int](repeating: 0, count: columns), totals = [Int](repeating: 0, count: columns)
        for row in rows {
            let index = Int((row.key.hour / period.step * period.step - firstHour) / period.step)
            guard totals.indices.contains(index) else { continue }
            totals[index] += row.count
            if row.key.status == MessageStatus.delivered.rawValue { delivered[index] += row.count }
        }
        let width = 600 / columns
        let bars: [[String: Any]] = (0..<columns).compactMap { index in
            guard totals[index] > 0 else { return nil }
            let share = Double(delivered[index]) / Double(totals[index])
            let start = Date(timeIntervalSince1970: TimeInterval((firstHour + Int64(index) * period.step) * 3_600))
            return ["x": index * width, "width": max(1, width - 1), "height": Int((share * 100).rounded()), "y": 100 - Int((share * 100).rounded()),
                    "title": "\(Self.short(start)): \(Self.percent(share)) of \(totals[index]) delivered"]
        }

        var view = header(context, title: "Delivery analytics", csrf: csrf)
        view["onAnalytics"] = true
        view["groupings"] = Grouping.allCases.map { ["value": $0.rawValue, "label": $0.label, "selected": $0 == grouping] }
        view["periods"] = Period.allCases.map { ["value": $0.rawValue, "selected": $0 == period] }
        view["groupLabel"] = grouping.label
        view["scope"] = accountName
        view["rows"] = table
        view["overall"] = Self.summary(rows, name: "All")
        view["bars"] = bars
        view["hasBars"] = !bars.isEmpty
        view["stepLabel"] = period.step == 1 ? "hour" : "day"
        if context.role == .operator {
            view["accounts"] = try await store.accounts().map { ["name": $0.name, "selected": $0.id == accountID] }
            view["hasAccounts"] = true
        }
        return render("analytics", view)
    }

    /// The route a counter's messages took, as the registry ranks routes (``ConnectorRegistry/route(to:destinationPrefix:accountName:)``).
    struct RouteLabels {
        let registry: ConnectorRegistry?
        let accountNames: [String: String]

        func label(_ key: DeliveryStats.Key) -> String {
            guard !key.connector.isEmpty else { return "(not sent)" }
            guard let best = registry?.route(to: key.connector, destinationPrefix: key.prefix, accountName: accountNames[key.accountID]) else {
                return "\(key.connector) (no route: the channel's first connector)"
            }
            return "\(best.channel.rawValue) \(best.prefix.isEmpty ? "any destination" : best.prefix)\(best.account.map { " for \($0)" } ?? "") → \(best.connector)"
        }
    }

    /// One line of the table: the counters of a group summed.
    static func summary(_ rows: [DeliveryStats.Row], name: String) -> [String: Any] {
        let total = rows.map(\.count).reduce(0, +)
        let count = { (status: MessageStatus) in rows.filter { $0.key.status == status.rawValue }.map(\.count).reduce(0, +) }
        var reasons: [String: Int] = [:]
        for row in rows where !row.key.reason.isEmpty && row.key.status != MessageStatus.delivered.rawValue { reasons[row.key.reason, default: 0] += row.count }
        let buckets = rows.reduce(into: [Int](repeating: 0, count: DeliveryStats.bucketCount)) { sum, row in
            for index in sum.indices { sum[index] += row.buckets[index] }
        }
        return [
            "name": name, "total": total, "delivered": Self.percent(total == 0 ? nil : Double(count(.delivered)) / Double(total)),
            "failed": total - count(.delivered),
            "reasons": reasons.sorted { $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value }.prefix(3).map { "\($0.key) \($0.value)" }.joined(separator: ", "),
            "noReceipt": Self.percent(total == 0 ? nil : Double(count(.expired)) / Double(total)),
            "p50": Self.duration(DeliveryStats.quantile(buckets, 0.5)), "p90": Self.duration(DeliveryStats.quantile(buckets, 0.9)),
            "p99": Self.duration(DeliveryStats.quantile(buckets, 0.99)),
        ]
    }

    /// `≤ 5 s`, `≤ 30 min`, `> 1 d`.
    static func duration(_ seconds: Double?) -> String {
        guard let seconds else { return "–" }
        guard seconds.isFinite else { return "> 1 d" }
        if seconds < 60 { return "≤ \(Int(seconds)) s" }
        if seconds < 3_600 { return "≤ \(Int(seconds / 60)) min" }
        if seconds < 86_400 { return "≤ \(Int(seconds / 3_600)) h" }
        return "≤ \(Int(seconds / 86_400)) d"
    }
}
