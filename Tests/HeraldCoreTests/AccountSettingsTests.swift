import Foundation
import HeraldCore
import Testing

@Suite("Account settings, numbers and prices")
struct AccountSettingsTests {
    @Test("national numbers are read in the account's default country; invalid ones say why")
    func defaultCountry() throws {
        let validator = MessageValidator()
        let gb = AccountSettings(defaultCountry: "GB")
        let national = try validator.validate(SendRequest(channel: "sms", to: "07400 123456", text: "hi"), settings: gb).get()
        #expect(national.to == "+447400123456")
        #expect(national.recipientCountry == "GB")
        #expect(national.recipientType == "mobile")
        #expect(national.recipientTimeZones.contains("Europe/London"))
        let without = try validator.validate(SendRequest(channel: "sms", to: "07400 123456", text: "hi")).get()
        #expect(without.rejection == .invalidNumber)
        #expect(without.initialDetail?.contains("default_country") == true)
        let drama = try validator.validate(SendRequest(channel: "sms", to: "+44 7700 900123", text: "hi")).get()
        #expect(drama.rejection == .invalidNumber)
        #expect(drama.initialDetail == "+44 7700 900123: not a number in the GB numbering plan; check the number with the recipient")
    }

    @Test("the account's validity and smart encoding apply unless the request says otherwise")
    func defaults() throws {
        let validator = MessageValidator()
        let settings = AccountSettings(validityMinutes: 90, smartEncoding: true)
        let draft = try validator.validate(SendRequest(channel: "sms", to: "+14155550100", text: "it’s"), settings: settings).get()
        #expect(draft.validityMinutes == 90)
        #expect(draft.text == "it's")
        let explicit = try validator.validate(SendRequest(channel: "sms", to: "+14155550100", text: "it’s", validityMinutes: 10, smartEncoding: false),
                                              settings: settings).get()
        #expect(explicit.validityMinutes == 10)
        #expect(explicit.text == "it’s")
    }

    @Test("settings out of range name the field")
    func problems() {
        #expect(AccountSettings(defaultCountry: "XX").problem()?.field == "default_country")
        #expect(AccountSettings(validityMinutes: 0).problem()?.field == "validity_minutes")
        #expect(AccountSettings(helpText: "").problem()?.field == "help_text")
        #expect(AccountSettings(defaultCountry: "GB", validityMinutes: 60).problem() == nil)
    }

    @Test("quiet hours may wrap midnight")
    func quietHours() throws {
        let night = try #require(QuietHours(start: "21:00", end: "08:00"))
        #expect(night.contains(minuteOfDay: 22 * 60))
        #expect(night.contains(minuteOfDay: 7 * 60 + 59))
        #expect(!night.contains(minuteOfDay: 8 * 60))
        #expect(!night.contains(minuteOfDay: 12 * 60))
        #expect(night.minutesUntilEnd(from: 22 * 60) == 600)
        let lunch = try #require(QuietHours(start: "12:00", end: "13:30"))
        #expect(lunch.contains(minuteOfDay: 12 * 60 + 45))
        #expect(!lunch.contains(minuteOfDay: 11 * 60))
        #expect(QuietHours(start: "25:00", end: "08:00") == nil)
        #expect(QuietHours(start: "08:00", end: "08:00") == nil)
    }

    @Test("the longest destination prefix sets the price; amounts parse as decimals")
    func prices() {
        let table = PriceTable(micros: [.sms: 7_500], prefixes: [.sms: ["+44": 40_000, "+447": 30_000]])
        #expect(table.price(for: .sms, to: "+447400123456") == 30_000)
        #expect(table.price(for: .sms, to: "+442079460018") == 40_000)
        #expect(table.price(for: .sms, to: "+14155550100") == 7_500)
        #expect(PriceTable.micros("0.0075") == 7_500)
        #expect(PriceTable.micros("25") == 25_000_000)
        #expect(PriceTable.micros("1.1234567") == nil)
        #expect(PriceTable.micros("-1") == nil)
        #expect(PriceTable.micros("abc") == nil)
    }
}
