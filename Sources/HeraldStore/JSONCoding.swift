import Foundation
import HeraldCore

/// JSON for provider detail columns.
public enum DetailCoding {
    public static func encode(_ detail: ProviderDetail?) -> String? {
        guard let detail else { return nil }
        guard let data = try? JSONEncoder().encode(detail) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    public static func decode(_ text: String?) -> ProviderDetail? {
        guard let text, let data = text.data(using: .utf8) else { return nil }
        return try? JSONDecoder().decode(ProviderDetail.self, from: data)
    }
}
