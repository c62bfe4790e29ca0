/// What a message carries beyond its text: for an e-mail (besides HTML and Reply-To) custom headers (allow-listed),
/// attachments, and whether opens and clicks are tracked; for a chat message, the provider template it is sent as.
/// Stored with the message as one JSON value (the `email_options` column), validated once by ``MessageValidator``.
public struct MessageOptions: Sendable, Hashable, Codable {
    public struct Attachment: Sendable, Hashable, Codable {
        public var filename: String
        /// `type/subtype` (default `application/octet-stream`).
        public var contentType: String
        /// The content in base64, as the client sent it (validated).
        public var content: String

        public init(filename: String, contentType: String, content: String) {
            self.filename = filename
            self.contentType = contentType
            self.content = content
        }

        /// Octets once decoded (exact for valid base64).
        public var size: Int {
            let padding = content.reversed().prefix(2).filter { $0 == "=" }.count
            return content.utf8.count / 4 * 3 - padding
        }

        enum CodingKeys: String, CodingKey {
            case filename, content
            case contentType = "content_type"
        }
    }

    /// Header name -> value, in name order on the wire.
    public var headers: [String: String] = [:]
    public var attachments: [Attachment] = []
    /// nil: the account's setting (off unless turned on).
    public var trackOpens: Bool?
    public var trackClicks: Bool?
    /// Chat: send as this provider-approved template instead of free text.
    public var chatTemplate: ChatTemplate?

    public init(headers: [String: String] = [:], attachments: [Attachment] = [], trackOpens: Bool? = nil, trackClicks: Bool? = nil) {
        self.headers = headers
        self.attachments = attachments
        self.trackOpens = trackOpens
        self.trackClicks = trackClicks
    }

    enum CodingKeys: String, CodingKey {
        case headers, attachments
        case trackOpens = "track_opens", trackClicks = "track_clicks", chatTemplate = "chat_template"
    }

    public var isEmpty: Bool { headers.isEmpty && attachments.isEmpty && trackOpens == nil && trackClicks == nil && chatTemplate == nil }

    /// Whether any of the e-mail-only options is set.
    public var hasEmailOptions: Bool { !headers.isEmpty || !attachments.isEmpty || trackOpens != nil || trackClicks != nil }

    /// Most attachments together may weigh, decoded (the request body limit is 8 MiB, base64 adds a third).
    public static let maximumAttachmentBytes = 5 * 1024 * 1024
    public static let maximumAttachments = 20
    public static let maximumHeaders = 20

    /// Headers a client may set besides `X-...` ones; every other header Herald writes itself (From, To, Subject,
    /// Date, Message-ID, MIME, List-Unsubscribe) or must not be set by a client (Bcc, Received, DKIM-Signature).
    public static let allowedHeaders: Set<String> = ["list-id", "in-reply-to", "references", "precedence", "auto-submitted", "keywords", "comments",
                                                      "organization", "importance", "priority"]

    /// nil when the options are fine for an e-mail; else the field at fault and the fix.
    public func problem() -> FieldError? {
        guard headers.count <= Self.maximumHeaders else {
            return FieldError(field: "headers", problem: "\(headers.count) headers", fix: "send at most \(Self.maximumHeaders) custom headers")
        }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            let field = "headers.\(name)"
            let lower = name.lowercased()
            guard !name.isEmpty, name.utf8.count <= 76, name.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 && $0 != ":" }) else {
                return FieldError(field: field, problem: "'\(LogText.escaped(name))' is not a header name", fix: "use letters, digits and '-', e.g. X-Campaign")
            }
            guard (lower.hasPrefix("x-") && !lower.hasPrefix("x-herald-")) || Self.allowedHeaders.contains(lower) else {
                return FieldError(field: field, problem: "\(name) cannot be set by a client",
                                  fix: "use an X- header, or one of: \(Self.allowedHeaders.sorted().joined(separator: ", ")); Herald writes the others")
            }
            guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\u{0}" }) else {
                return FieldError(field: field, problem: "the value contains a line break or NUL",
                                  fix: "put the value on one line: a line break would let it add headers of its own")
            }
            guard value.utf8.count <= 900 else {
                return FieldError(field: field, problem: "the value is \(value.utf8.count) bytes", fix: "keep a header value under 900 bytes")
            }
        }
        guard attachments.count <= Self.maximumAttachments else {
            return FieldError(field: "attachments", problem: "\(attachments.count) attachments", fix: "send at most \(Self.maximumAttachments)")
        }
        var total = 0
        for (index, attachment) in attachments.enumerated() {
            let field = "attachments[\(index)]"
            let name = attachment.filename
            guard !name.isEmpty, name.count <= 255, !name.unicodeScalars.contains(where: { $0.value < 32 || $0 == "\"" || $0 == "/" || $0 == "\\" || $0.value == 127 }) else {
                return FieldError(field: field + ".filename", problem: "'\(LogText.escaped(name))' is not a file name",
                                  fix: "give a name of 1 to 255 characters without quotes, slashes or control characters, e.g. invoice.pdf")
            }
            let type = attachment.contentType.split(separator: "/")
            guard type.count == 2, attachment.contentType.count <= 127,
                  type.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.allSatisfy { $0.value > 32 && $0.value < 127 && !"()<>@,;:\\\"/[]?=".unicodeScalars.contains($0) } })
            else {
                return FieldError(field: field + ".content_type", problem: "'\(LogText.escaped(attachment.contentType))' is not a media type",
                                  fix: "use type/subtype, e.g. application/pdf")
            }
            guard Self.isBase64(attachment.content) else {
                return FieldError(field: field + ".content", problem: "content is not base64", fix: "encode the file in base64 (RFC 4648, with padding, no line breaks)")
            }
            total += attachment.size
        }
        if total > Self.maximumAttachmentBytes {
            var error = FieldError(field: "attachments", problem: "the attachments weigh \(total) bytes together",
                                   fix: "keep them under \(Self.maximumAttachmentBytes) bytes (5 MiB), or link to large files instead")
            error.isTooLarge = true
            return error
        }
        return nil
    }

    static func isBase64(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count % 4 == 0 else { return false }
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "+"), UInt8(ascii: "/"):
                continue
            case UInt8(ascii: "="):
                // Only in the last two places, and nothing but padding after it.
                guard index >= bytes.count - 2, bytes[index...].allSatisfy({ $0 == UInt8(ascii: "=") }) else { return false }
            default:
                return false
            }
        }
        return true
    }
}
