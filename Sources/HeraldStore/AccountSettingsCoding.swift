import Foundation
import HeraldCore

/// The JSON text an account's settings are stored as (both backends).
public enum AccountSettingsCoding {
    public static func encode(_ settings: AccountSettings) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(settings)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    public static func decode(_ text: String) -> AccountSettings {
        (try? JSONDecoder().decode(AccountSettings.self, from: Data(text.utf8))) ?? AccountSettings()
    }
}
