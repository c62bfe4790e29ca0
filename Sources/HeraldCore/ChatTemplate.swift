/// A message template approved at the chat provider (a WhatsApp message template): sent by name and language with the
/// values of its body's `{{1}}`, `{{2}}`, ... The provider renders it; it is what may open a conversation (WhatsApp
/// refuses free text more than 24 hours after the user last wrote: 131047).
public struct ChatTemplate: Sendable, Hashable, Codable {
    public var name: String
    /// The template's language code, e.g. `en_US`.
    public var language: String
    /// The body's parameters in order.
    public var parameters: [String]

    public init(name: String, language: String, parameters: [String] = []) {
        self.name = name
        self.language = language
        self.parameters = parameters
    }

    public static let maximumParameters = 20

    /// nil when it can be sent; else the field at fault (under `chat_template`) and the fix.
    public func problem() -> FieldError? {
        guard !name.isEmpty, name.count <= 512, name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) else {
            return FieldError(field: "chat_template.name", problem: "'\(LogText.escaped(name))' is not a template name",
                              fix: "use the template's name as approved: lower-case letters, digits and '_', e.g. order_shipped")
        }
        let parts = language.split(separator: "_", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ (2...4).contains($0.count) && $0.allSatisfy({ $0.isASCII && $0.isLetter }) }) else {
            return FieldError(field: "chat_template.language", problem: "'\(LogText.escaped(language))' is not a language code",
                              fix: "use the template's language as approved, e.g. en or en_US")
        }
        guard parameters.count <= Self.maximumParameters else {
            return FieldError(field: "chat_template.parameters", problem: "\(parameters.count) parameters", fix: "send at most \(Self.maximumParameters)")
        }
        for (index, value) in parameters.enumerated() {
            // WhatsApp refuses parameters with line breaks, tabs or more than four spaces in a row.
            guard !value.isEmpty, value.count <= 1024, !value.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\t" }), !value.contains("     ") else {
                return FieldError(field: "chat_template.parameters[\(index)]", problem: "the value is empty, too long, or has a line break, a tab or five spaces in a row",
                                  fix: "give 1 to 1024 characters on one line")
            }
        }
        return nil
    }

    /// What the message's log and timeline show as its text when the request gave none.
    public var summary: String {
        "[template \(name) (\(language))" + (parameters.isEmpty ? "" : ": " + parameters.joined(separator: ", ")) + "]"
    }
}
