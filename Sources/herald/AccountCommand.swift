import ArgumentParser
import Foundation
import HeraldCore
import HeraldStore
import Logging

/// `herald account NAME`: shows an account; with options, tops up its prepaid balance or changes its settings.
/// This is the operator's tool (the API lets an account change its own settings, never its balance).
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Show an account, top up its prepaid balance, or change its settings.",
        discussion: "Exit codes: 0 done, 64 bad option, 66 no such account."
    )

    @Argument(help: "Account name.")
    var name: String
    @Option(help: "Add to the prepaid balance (decimal, e.g. 25.00); a postpaid account becomes prepaid.")
    var topUp: String?
    @Flag(help: "Remove the balance: no prepaid limit from now on.")
    var postpaid = false
    @Option(help: "Default country for national numbers (ISO 3166 alpha-2, e.g. GB).")
    var defaultCountry: String?
    @Option(help: "Default validity of messages in minutes (1-20160).")
    var validityMinutes: Int?
    @Option(help: "Answer to inbound HELP.")
    var helpText: String?
    @Option(help: "Quiet hours for promotional messages in the recipient's local time, HH:MM-HH:MM (e.g. 21:00-08:00), or 'off'.")
    var quietHours: String?
    @Option(help: "What quiet hours do: hold (send when they end) or block.")
    var quietHoursMode: String?
    @Option(help: "Retention: empty message text (and callback and inbound bodies) after N days (1-3650), or 'off'.")
    var redactAfterDays: String?
    @Option(help: "Retention: delete final messages and their timelines after N days (1-3650), or 'off'.")
    var deleteAfterDays: String?

    /// `N` or `off` (nil) for a retention option.
    static func days(_ text: String, option: String) throws -> Int? {
        if text == "off" { return nil }
        guard let days = Int(text) else { throw ValidationError("--\(option) '\(text)' is not a number of days; write e.g. 90, or off") }
        return days
    }
    @OptionGroup var database: TargetOptions

    func run() async throws {
        let topUpMicros: Int64? = try topUp.map { amount in
            guard let micros = PriceTable.micros(amount) else { throw ValidationError("--top-up '\(amount)' is not an amount; write e.g. 25.00") }
            return micros
        }
        if let server = database.server {
            // Over the API an account changes its own settings; balances are the operator's, on the database.
            if topUp != nil || postpaid { throw RemoteAPI.unsupported("--top-up and --postpaid", fix: "run on the server's database with --database (balances are the operator's)") }
            var patch: [String: Any] = [:]
            if let defaultCountry { patch["default_country"] = defaultCountry.uppercased() }
            if let validityMinutes { patch["validity_minutes"] = validityMinutes }
            if let helpText { patch["help_text"] = helpText }
            if let quietHours {
                if quietHours == "off" { patch["quiet_hours"] = NSNull() } else {
                    let ends = quietHours.split(separator: "-").map(String.init)
                    guard ends.count == 2 else { throw ValidationError("--quiet-hours '\(quietHours)' is not HH:MM-HH:MM; write e.g. 21:00-08:00") }
                    patch["quiet_hours"] = ["start": ends[0], "end": ends[1]]
                }
            }
            if let quietHoursMode { patch["quiet_hours_mode"] = quietHoursMode }
            if let redactAfterDays { patch["redact_after_days"] = try Self.days(redactAfterDays, option: "redact-after-days") ?? NSNull() }
            if let deleteAfterDays { patch["delete_after_days"] = try Self.days(deleteAfterDays, option: "delete-after-days") ?? NSNull() }
            let account = try await (patch.isEmpty ? server.send(.GET, "/v1/account") : server.send(.PATCH, "/v1/account", json: patch)).object()
            for (key, value) in account.sorted(by: { $0.key < $1.key }) { print("\(key): \(RemoteStatusReport.text(value))") }
            return
        }
        let accountName = name
        let updated: Account? = try await database.withStore(label: "herald.account") { store in
            guard var account = try await store.account(named: accountName) else { return nil }
            var settings = account.settings
            if let defaultCountry { settings.defaultCountry = defaultCountry.uppercased() }
            if let validityMinutes { settings.validityMinutes = validityMinutes }
            if let helpText { settings.helpText = helpText }
            if let quietHours {
                if quietHours == "off" {
                    settings.quietHours = nil
                } else {
                    let ends = quietHours.split(separator: "-").map(String.init)
                    guard ends.count == 2, let hours = QuietHours(start: ends[0], end: ends[1]) else {
                        throw ValidationError("--quiet-hours '\(quietHours)' is not HH:MM-HH:MM; write e.g. 21:00-08:00")
                    }
                    settings.quietHours = hours
                }
            }
            if let quietHoursMode {
                guard let mode = QuietHoursMode(rawValue: quietHoursMode) else { throw ValidationError("--quiet-hours-mode must be hold or block") }
                settings.quietHoursMode = mode
            }
            if let redactAfterDays { settings.redactAfterDays = try Self.days(redactAfterDays, option: "redact-after-days") }
            if let deleteAfterDays { settings.deleteAfterDays = try Self.days(deleteAfterDays, option: "delete-after-days") }
            if let problem = settings.problem() { throw ValidationError("\(problem.field): \(problem.problem); \(problem.fix)") }
            if settings != account.settings { account = try await store.updateSettings(accountID: account.id, settings: settings) ?? account }
            if postpaid { account = try await store.makePostpaid(accountID: account.id) ?? account }
            if let topUpMicros { account = try await store.addBalance(accountID: account.id, micros: topUpMicros) ?? account }
            return account
        }
        guard let account = updated else {
            FileHandle.standardError.write(Data("no account named '\(accountName)'; create one with: herald keys create --account \(accountName)\n".utf8))
            throw ExitCode(66)
        }
        print("account \(account.name) (\(account.id))")
        print("balance: \(account.balanceMicros.map(PriceTable.decimal) ?? "postpaid (no limit)")")
        let settings = account.settings
        print("default_country: \(settings.defaultCountry ?? "-")")
        print("validity_minutes: \(settings.validityMinutes.map(String.init) ?? "default (2880)")")
        print("smart_encoding: \(settings.smartEncoding.map(String.init) ?? "off")")
        print("help_text: \(settings.helpText ?? "gateway default")")
        print("quiet_hours: \(settings.quietHours.map { "\($0.start)-\($0.end) (\((settings.quietHoursMode ?? .hold).rawValue))" } ?? "off")")
        print("redact_after_days: \(settings.redactAfterDays.map(String.init) ?? "off")")
        print("delete_after_days: \(settings.deleteAfterDays.map(String.init) ?? "off")")
    }
}
