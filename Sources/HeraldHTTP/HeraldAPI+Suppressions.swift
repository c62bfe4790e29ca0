import Foundation
import HeraldCore
import HeraldStore
import Hummingbird

/// The body of `POST /v1/suppressions`.
struct SuppressionRequestJSON: Decodable {
    var channel: String?
    var recipient: String?
    var sender: String?
}

/// A suppression as the API shows it.
struct SuppressionJSON: Encodable {
    var channel: String
    var recipient: String
    /// `null`: every sender of the account.
    var sender: String?
    var source: String
    var createdAt: String

    init(_ suppression: Suppression) {
        channel = suppression.channel.rawValue
        recipient = suppression.recipient
        sender = suppression.sender.isEmpty ? nil : suppression.sender
        source = suppression.source
        createdAt = Timestamp.format(suppression.createdAt)
    }

    enum CodingKeys: String, CodingKey {
        case channel, recipient, sender, source, createdAt = "created_at"
    }

    /// `sender` is always present: `null` says "every sender".
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(channel, forKey: .channel)
        try container.encode(recipient, forKey: .recipient)
        try container.encode(sender, forKey: .sender)
        try container.encode(source, forKey: .source)
        try container.encode(createdAt, forKey: .createdAt)
    }
}

extension HeraldAPI {
    /// `GET /v1/suppressions[?recipient=]`: the account's opt-outs, newest first.
    @Sendable func listSuppressions(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let recipient = request.uri.queryParameters["recipient"].map(String.init)
        let found = try await store.suppressions(accountID: account.id, recipient: recipient, limit: 500)
        return try Self.encode(["data": found.map(SuppressionJSON.init)])
    }

    /// `POST /v1/suppressions`: stop sending to a recipient (from one sender, or from all when `sender` is absent).
    @Sendable public func addSuppression(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let body: SuppressionRequestJSON = try await Self.decode(request, context: context)
        if let error = FieldLimits.check(body.sender, field: "sender", limit: FieldLimits.sender) { throw APIProblem.invalid(error) }
        let (channel, recipient) = try Self.suppressionTarget(channel: body.channel, recipient: body.recipient)
        let suppression = Suppression(accountID: account.id, channel: channel, recipient: recipient, sender: body.sender ?? "",
                                      source: "api", createdAt: Date())
        try await store.addSuppression(suppression)
        return try Self.encode(SuppressionJSON(suppression), status: .created)
    }

    /// `DELETE /v1/suppressions?channel=&recipient=[&sender=]`: the recipient opted back in.
    @Sendable public func removeSuppression(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let query = request.uri.queryParameters
        let (channel, recipient) = try Self.suppressionTarget(channel: query["channel"].map(String.init), recipient: query["recipient"].map(String.init), inQuery: true)
        let removed = try await store.removeSuppressions(accountID: account.id, channel: channel, recipient: recipient, sender: query["sender"].map(String.init))
        guard removed > 0 else { throw APIProblem.notFound("suppression", id: recipient) }
        return Response(status: .noContent)
    }

    /// Channel and normalised recipient of a suppression request, or a problem naming the field.
    static func suppressionTarget(channel rawChannel: String?, recipient rawRecipient: String?, inQuery: Bool = false) throws -> (Channel, String) {
        let problem: (FieldError) -> APIProblem = { inQuery ? APIProblem.badQuery($0.field, $0.problem, fix: $0.fix) : APIProblem.invalid($0) }
        guard let rawChannel, let channel = Channel(rawValue: rawChannel.lowercased()) else {
            throw problem(FieldError(field: "channel", problem: "channel is missing or unknown", fix: "use sms, email or chat"))
        }
        guard let rawRecipient else {
            throw problem(FieldError(field: "recipient", problem: "recipient is missing", fix: "give the number (E.164) or e-mail address"))
        }
        switch Recipient.normalise(rawRecipient, for: channel) {
        case .success(let recipient): return (channel, recipient)
        case .failure: throw problem(FieldError(field: "recipient", problem: "'\(rawRecipient)' is not a valid \(channel == .email ? "e-mail address" : "number")", fix: channel == .email ? "give an e-mail address" : "give the number in E.164 form, e.g. +14155550100"))
        }
    }
}
