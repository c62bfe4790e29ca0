import Foundation
import HeraldCore
import HeraldStore
import Hummingbird

/// The account as `GET /v1/account` shows it.
struct AccountJSON: Encodable {
    struct Balance: Encodable {
        var amount: String
        var currency: String
    }

    var id: String
    var name: String
    var createdAt: String
    /// `null`: postpaid (no prepaid limit).
    var balance: Balance?
    var settings: AccountSettings
    /// Signs the callbacks of messages' own `callback_url`.
    var callbackSecret: String?
    /// When the account was closed; null: open.
    var disabledAt: String?

    init(_ account: Account, currency: String, callbackSecret: String? = nil) {
        self.callbackSecret = callbackSecret
        id = account.id
        name = account.name
        createdAt = Timestamp.format(account.createdAt)
        balance = account.balanceMicros.map { Balance(amount: PriceTable.decimal($0), currency: currency) }
        settings = account.settings
        disabledAt = account.disabledAt.map(Timestamp.format)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, balance, settings, createdAt = "created_at", callbackSecret = "callback_secret", disabledAt = "disabled_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(balance, forKey: .balance)
        try container.encode(settings, forKey: .settings)
        try container.encode(disabledAt, forKey: .disabledAt)
        try container.encodeIfPresent(callbackSecret, forKey: .callbackSecret)
    }
}

/// The body of `PATCH /v1/account`: fields present replace the setting, `null` clears it, absent ones stay.
struct AccountSettingsPatch: Decodable {
    var apply: (inout AccountSettings) -> Void

    init(from decoder: any Decoder) throws {
        typealias Keys = AccountSettings.CodingKeys
        let container = try decoder.container(keyedBy: Keys.self)
        var steps: [(inout AccountSettings) -> Void] = []
        func field<T: Decodable>(_ key: Keys, _ type: T.Type, _ path: WritableKeyPath<AccountSettings, T?>) throws {
            guard container.contains(key) else { return }
            let value = try container.decodeNil(forKey: key) ? nil : try container.decode(T.self, forKey: key)
            steps.append { $0[keyPath: path] = value }
        }
        try field(.defaultCountry, String.self, \.defaultCountry)
        try field(.validityMinutes, Int.self, \.validityMinutes)
        try field(.smartEncoding, Bool.self, \.smartEncoding)
        try field(.helpText, String.self, \.helpText)
        try field(.quietHours, QuietHours.self, \.quietHours)
        try field(.quietHoursMode, QuietHoursMode.self, \.quietHoursMode)
        try field(.trackOpens, Bool.self, \.trackOpens)
        try field(.trackClicks, Bool.self, \.trackClicks)
        try field(.redactAfterDays, Int.self, \.redactAfterDays)
        try field(.deleteAfterDays, Int.self, \.deleteAfterDays)
        let all = steps
        apply = { settings in for step in all { step(&settings) } }
    }
}

extension HeraldAPI {
    /// `GET /v1/account`: the account's settings and prepaid balance (read fresh, not from the key cache).
    @Sendable func showAccount(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let current = try await store.account(id: account.id) ?? account
        return try Self.encode(AccountJSON(current, currency: gateway.prices.currency, callbackSecret: try await store.callbackSecret(accountID: account.id)))
    }

    /// `PATCH /v1/account`: changes settings (default country, validity, smart encoding, help text, quiet hours).
    @Sendable public func updateAccount(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let patch: AccountSettingsPatch = try await Self.decode(request, context: context)
        var settings = try await store.account(id: account.id)?.settings ?? account.settings
        patch.apply(&settings)
        if let country = settings.defaultCountry { settings.defaultCountry = country.uppercased() }
        if let problem = settings.problem() { throw APIProblem.invalid(problem) }
        guard let updated = try await store.updateSettings(accountID: account.id, settings: settings) else {
            throw APIProblem.notFound("account", id: account.id)
        }
        keyCache.invalidate()
        return try Self.encode(AccountJSON(updated, currency: gateway.prices.currency))
    }
}
