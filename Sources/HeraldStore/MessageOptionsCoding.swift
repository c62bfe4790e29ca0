import Foundation
import HeraldCore

/// ``MessageOptions`` as the one JSON text both stores keep in `messages.email_options` (nil: none).
public enum MessageOptionsCoding {
    public static func encode(_ options: MessageOptions?) -> String? {
        guard let options, !options.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(options)).map { String(decoding: $0, as: UTF8.self) }
    }

    public static func decode(_ text: String?) -> MessageOptions? {
        guard let text, !text.isEmpty else { return nil }
        return try? JSONDecoder().decode(MessageOptions.self, from: Data(text.utf8))
    }
}
