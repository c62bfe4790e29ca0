import Foundation
import HeraldCore
import HeraldHTTP
import HeraldStore
import Hummingbird

/// The account's opt-outs and DND list, its templates, and its settings with the balance. Changes go through the API's
/// own handlers (``Dashboard/apiForm``); these only read and present.
extension DashboardPages {
    static let listLimit = 200

    func lists(context: HeraldRequestContext, store: any HeraldStore, csrf: String) async throws -> Response {
        guard let account = context.account else { return problem(.unauthorized, heading: "Signed out", detail: "Sign in again.") }
        var view = header(context, title: "Opt-outs and DND", csrf: csrf)
        view["onLists"] = true
        view["limit"] = Self.listLimit
        view["canChange"] = context.key?.scopes.contains(.admin) == true
        view["channels"] = Channel.allCases.map(\.rawValue)
        view["suppressions"] = try await store.suppressions(accountID: account.id, recipient: nil, limit: Self.listLimit).map { suppression -> [String: Any] in
            ["channel": suppression.channel.rawValue, "recipient": suppression.recipient, "sender": suppression.sender.isEmpty ? "every sender" : suppression.sender,
             "senderValue": suppression.sender, "source": suppression.source, "created": Self.short(suppression.createdAt)]
        }
        view["dnd"] = try await store.dndList(accountID: account.id, limit: Self.listLimit).map { entry -> [String: Any] in
            ["recipient": entry.recipient, "created": Self.short(entry.createdAt)]
        }
        return render("lists", view)
    }

    func templates(context: HeraldRequestContext, store: any HeraldStore, csrf: String) async throws -> Response {
        guard let account = context.account else { return problem(.unauthorized, heading: "Signed out", detail: "Sign in again.") }
        var view = header(context, title: "Templates", csrf: csrf)
        view["onTemplates"] = true
        view["canChange"] = context.key?.scopes.contains(.admin) == true
        view["channels"] = Channel.allCases.map(\.rawValue)
        view["templates"] = try await store.templates(accountID: account.id).map { template -> [String: Any] in
            ["name": template.name, "channel": template.channel?.rawValue ?? "any", "subject": template.subject as Any, "body": template.body,
             "updated": Self.short(template.updatedAt)]
        }
        return render("templates", view)
    }

    func settings(context: HeraldRequestContext, store: any HeraldStore, csrf: String) async throws -> Response {
        guard let signedIn = context.account else { return problem(.unauthorized, heading: "Signed out", detail: "Sign in again.") }
        // Read fresh: the session's account may be cached from before the last change.
        let account = try await store.account(id: signedIn.id) ?? signedIn
        let settings = account.settings
        var view = header(context, title: "Settings", csrf: csrf)
        view["onSettings"] = true
        view["name"] = account.name
        view["canChange"] = context.key?.scopes.contains(.admin) == true
        view["balance"] = account.balanceMicros.map { "Prepaid: \(PriceTable.decimal($0)) \(currency) left to spend." }
            ?? "Postpaid: no balance limit (messages are billed as they are sent)."
        view["defaultCountry"] = settings.defaultCountry ?? ""
        view["validityMinutes"] = settings.validityMinutes.map(String.init) ?? ""
        view["helpText"] = settings.helpText ?? ""
        view["quietStart"] = settings.quietHours?.start ?? ""
        view["quietEnd"] = settings.quietHours?.end ?? ""
        view["redactAfterDays"] = settings.redactAfterDays.map(String.init) ?? ""
        view["deleteAfterDays"] = settings.deleteAfterDays.map(String.init) ?? ""
        view["smartEncoding"] = Self.switchChoices(settings.smartEncoding, unset: "default (off)")
        view["trackOpens"] = Self.switchChoices(settings.trackOpens, unset: "default (off)")
        view["trackClicks"] = Self.switchChoices(settings.trackClicks, unset: "default (off)")
        view["quietModes"] = [["value": "", "label": "default (hold)", "selected": settings.quietHoursMode == nil]]
            + QuietHoursMode.allCases.map { mode -> [String: Any] in
                ["value": mode.rawValue, "label": mode == .hold ? "hold until they end" : "block as DND", "selected": settings.quietHoursMode == mode]
            }
        return render("settings", view)
    }

    /// The options of a setting that is on, off or unset.
    static func switchChoices(_ value: Bool?, unset: String) -> [[String: Any]] {
        [["value": "", "label": unset, "selected": value == nil], ["value": "on", "label": "on", "selected": value == true],
         ["value": "off", "label": "off", "selected": value == false]]
    }
}
