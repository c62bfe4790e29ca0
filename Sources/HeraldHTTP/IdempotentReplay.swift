import HeraldCore
import HeraldStore

/// Whether a request sent again with an `Idempotency-Key` is the request that key first stored. A key reused for another
/// message must not silently answer with the first one: the client would believe its new message was accepted.
enum IdempotentReplay {
    /// The first field in which `request` differs from the message its key stored, or nil when it is the same request.
    /// Compares what the message keeps: channel, recipient (as validated, so `07400 123456` and `+447400123456` are one),
    /// sender, subject, and the text unless it comes from a template.
    static func differingField(_ request: SendRequest, stored: MessageRecord, settings: AccountSettings) -> String? {
        if let channel = request.channel, channel.lowercased() != stored.channel.rawValue { return "channel" }
        let draft = try? MessageValidator().validate(request, settings: settings).get()
        if let to = draft?.to ?? request.to, to != stored.to { return "to" }
        if (request.from ?? "") != (stored.from ?? ""), request.from != nil || stored.from != nil { return "from" }
        if (request.subject ?? "") != (stored.subject ?? "") { return "subject" }
        if request.template == nil, let text = request.text, let draft, draft.text != stored.text, text != stored.text { return "text" }
        if (request.html ?? "") != (stored.html ?? "") { return "html" }
        return nil
    }

    static func problem(field: String, key: String, messageID: String) -> APIProblem {
        APIProblem(status: .unprocessableContent, type: "idempotency-key-reused", title: "Idempotency key reused",
                   detail: "Idempotency-Key '\(key)' already stored \(messageID), whose \(field) differs from this request's",
                   field: "Idempotency-Key", fix: "use a new key for a new message; send the same body again to read the first answer")
    }
}
