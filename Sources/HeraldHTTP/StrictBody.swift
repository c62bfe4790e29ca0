import Foundation
import HeraldCore

/// A request body that may hold only the fields it declares: an unknown field (`"sendAt"` for `send_at`, `"html"` on a
/// message) is a mistake the client must hear about, a 422 naming it, with the closest known field where one is close.
protocol StrictBody: Decodable {
    /// JSON name -> what the field holds.
    static var fields: [String: BodyField] { get }
}

/// What one field of a ``StrictBody`` holds.
enum BodyField: Sendable {
    /// A value (string, number, boolean, array of values, or an object checked by its own decoder).
    case value
    /// An object whose keys are the client's (template variables).
    case free
    /// An array of bodies with fields of their own.
    case array(any StrictBody.Type)
    /// An object with fields of its own.
    case object(any StrictBody.Type)
}

enum StrictBodyCheck {
    /// The first unknown field of `object` (walking arrays of nested bodies), as the problem to answer.
    static func unknownField(in object: [String: Any], of type: any StrictBody.Type, path: String = "") -> FieldError? {
        let fields = type.fields
        for key in object.keys.sorted() {
            let name = path + key
            guard let field = fields[key] else {
                let known = fields.keys.sorted()
                let hint = closest(to: key, among: known).map { "did you mean \($0)? " } ?? ""
                return FieldError(field: name, problem: "unknown field '\(key)'",
                                  fix: hint + "the fields here are: " + known.joined(separator: ", "))
            }
            if case .array(let nested) = field, let items = object[key] as? [Any] {
                for (index, item) in items.enumerated() {
                    if let child = item as? [String: Any], let error = unknownField(in: child, of: nested, path: "\(name)[\(index)].") { return error }
                }
            }
            if case .object(let nested) = field, let child = object[key] as? [String: Any],
               let error = unknownField(in: child, of: nested, path: "\(name).") { return error }
        }
        return nil
    }

    /// The known field a typo most likely meant: the same letters in another case or separator (`sendAt`, `SEND-AT`),
    /// else the nearest by edit distance when it is at most two edits away.
    static func closest(to key: String, among known: [String]) -> String? {
        func folded(_ text: String) -> String { String(text.lowercased().filter { $0.isLetter || $0.isNumber }) }
        if let same = known.first(where: { folded($0) == folded(key) }) { return same }
        let scored = known.map { ($0, distance(folded($0), folded(key))) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance, bounded work for field-sized strings.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.prefix(64)), b = Array(b.prefix(64))
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension SendRequestJSON: StrictBody {
    static let fields: [String: BodyField] = [
        "channel": .value, "to": .value, "from": .value, "subject": .value, "text": .value, "html": .value, "reply_to": .value, "tag": .value, "category": .value,
        "template": .value, "variables": .free, "send_at": .value, "validity_minutes": .value, "callback_url": .value,
        "smart_encoding": .value, "headers": .free, "attachments": .array(SendRequestJSON.AttachmentJSON.self), "track_opens": .value,
        "track_clicks": .value, "chat_template": .object(SendRequestJSON.ChatTemplateJSON.self),
    ]
}

extension SendRequestJSON.ChatTemplateJSON: StrictBody {
    static let fields: [String: BodyField] = ["name": .value, "language": .value, "parameters": .value]
}

extension SendRequestJSON.AttachmentJSON: StrictBody {
    static let fields: [String: BodyField] = ["filename": .value, "content_type": .value, "content": .value]
}

extension BatchRequestJSON: StrictBody {
    static let fields: [String: BodyField] = ["messages": .array(SendRequestJSON.self)]
}

extension TemplateRequestJSON: StrictBody {
    static let fields: [String: BodyField] = ["name": .value, "channel": .value, "subject": .value, "body": .value, "html": .value]
}

extension WebhookRequestJSON: StrictBody {
    static let fields: [String: BodyField] = ["url": .value, "events": .value, "secret": .value, "vocabulary": .value,
                                              "batch": .object(WebhookRequestJSON.Batch.self)]
}

extension WebhookRequestJSON.Batch: StrictBody {
    static let fields: [String: BodyField] = ["max_events": .value, "max_latency_ms": .value]
}

extension SuppressionRequestJSON: StrictBody {
    static let fields: [String: BodyField] = ["channel": .value, "recipient": .value, "sender": .value]
}

extension CampaignRequestJSON: StrictBody {
    static let fields: [String: BodyField] = [
        "name": .value, "template": .value, "channel": .value, "from": .value, "category": .value, "tag": .value, "paused": .value,
        "recipients": .array(Recipient.self), "send_at": .value, "validity_minutes": .value, "callback_url": .value,
    ]
}

extension CampaignRequestJSON.Recipient: StrictBody {
    static let fields: [String: BodyField] = ["to": .value, "variables": .free]
}

extension AccountSettingsPatch: StrictBody {
    static let fields: [String: BodyField] = Dictionary(uniqueKeysWithValues: [
        AccountSettings.CodingKeys.defaultCountry, .validityMinutes, .smartEncoding, .helpText, .quietHoursMode, .trackOpens, .trackClicks,
        .redactAfterDays, .deleteAfterDays,
    ].map { ($0.stringValue, BodyField.value) } + [(AccountSettings.CodingKeys.quietHours.stringValue, .object(QuietHoursFields.self))])
}

/// The fields of `quiet_hours` (`{"start": "21:00", "end": "08:00"}`), for the unknown-field check.
struct QuietHoursFields: StrictBody {
    static let fields: [String: BodyField] = ["start": .value, "end": .value]
}
