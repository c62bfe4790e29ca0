import Foundation
import HeraldCore

/// ``EmailOptions`` as the one JSON text both stores keep in `messages.email_options` (nil: none).
public enum EmailOptionsCoding {
    public static func encode(_ options: EmailOptions?) -> String? {
        guard let options, !options.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(options)).map { String(decoding: $0, as: UTF8.self) }
    }

    public static func decode(_ text: String?) -> EmailOptions? {
        guard let text, !text.isEmpty else { return nil }
        return try? JSONDecoder().decode(EmailOptions.self, from: Data(text.utf8))
    }
}
