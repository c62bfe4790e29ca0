/// How large a request body may be (`herald serve --max-request-bytes`, `--max-upload-bytes`).
public struct RequestLimits: Sendable, Hashable {
    /// A JSON body (a batch of 1,000 messages fits comfortably in the default) and every other body but uploads.
    public var requestBytes: Int
    /// A CSV upload read whole (`POST /v1/dnd` as `text/csv`, the dashboard's campaign form). A campaign's recipients
    /// (`POST /v1/campaigns/{id}/recipients`) are read as they stream and have no limit.
    public var uploadBytes: Int

    public init(requestBytes: Int = 8 << 20, uploadBytes: Int = 64 << 20) {
        self.requestBytes = requestBytes
        self.uploadBytes = uploadBytes
    }

    /// Whether a body of this `Content-Type` is an upload.
    static func isUpload(contentType: String?) -> Bool {
        guard let type = contentType?.lowercased() else { return false }
        return type.hasPrefix("text/csv") || type.hasPrefix("multipart/form-data")
    }

    /// The 413 for a body over `limit` bytes.
    static func tooLarge(_ limit: Int, size: Int? = nil, upload: Bool = false) -> APIProblem {
        let option = upload ? "--max-upload-bytes" : "--max-request-bytes"
        return APIProblem(status: .contentTooLarge, type: "body-too-large", title: "Body too large",
                          detail: (size.map { "the body is \($0) bytes" } ?? "the body is larger than that") + "; this Herald takes at most \(limit) bytes",
                          fix: upload ? "upload a smaller file (split it), or ask the operator to raise herald serve \(option)"
                                      : "send smaller batches (at most \(limit) bytes per request), or ask the operator to raise herald serve \(option)")
    }
}
