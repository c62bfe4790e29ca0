import Foundation

/// `herald status --url`: the message as the API answers it, in the lines ``StatusReport`` prints from the database.
struct RemoteStatusReport {
    let message: [String: Any]

    var text: String {
        var lines: [String] = []
        lines.append("\(message["id"] as? String ?? "?")  \(message["channel"] as? String ?? "?") to \(message["to"] as? String ?? "?")")
        var status = "status   \(message["status"] as? String ?? "?")"
        if let reason = message["reason"] as? [String: Any] {
            status += "  \(reason["code"] as? String ?? ""): \(reason["meaning"] as? String ?? "") (what to do: \(reason["resolution"] as? String ?? ""))"
        }
        lines.append(status)
        let cost = message["cost"] as? [String: Any] ?? [:]
        let encoding = (message["encoding"] as? String).map { " (\($0))" } ?? ""
        let conflict = message["conflict"] as? Bool == true ? "   CONFLICTING RECEIPTS" : ""
        lines.append("parts    \(message["segments"] as? Int ?? 0)\(encoding)   cost \(cost["amount"] as? String ?? "0")\(conflict)")
        if let next = message["next_attempt_at"] as? String { lines.append("next attempt \(next)") }
        lines.append("timeline")
        for event in message["timeline"] as? [[String: Any]] ?? [] {
            let kind = (event["event"] as? String ?? "").padding(toLength: 14, withPad: " ", startingAt: 0)
            var line = "  \(event["occurred_at"] as? String ?? "")  \(kind) \(event["source"] as? String ?? "")"
            if let part = event["part"] as? Int { line += " part \(part)" }
            if let reason = event["reason"] as? [String: Any], event["event"] as? String != "DELIVERED" { line += "  \(reason["code"] as? String ?? "")" }
            if let connector = event["connector"] as? String { line += "  via \(connector)" }
            if let next = event["next_attempt_at"] as? String { line += "  next attempt \(next)" }
            if let provider = event["provider"] as? [String: Any], let raw = provider["status"] as? String {
                line += "  [\(raw)\((provider["error_code"] as? String).map { " err \($0)" } ?? "")]"
            }
            if let explanation = event["explanation"] as? String { line += "  (\(explanation))" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// A JSON value as one line of text.
    static func text(_ value: Any) -> String {
        switch value {
        case is NSNull: return "-"
        case let text as String: return text
        case let flag as Bool: return String(flag)
        case let number as NSNumber: return number.stringValue
        default:
            guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return "\(value)" }
            return String(decoding: data, as: UTF8.self)
        }
    }
}
