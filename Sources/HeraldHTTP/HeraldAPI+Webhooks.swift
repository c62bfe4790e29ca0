import Foundation
import HeraldCore
import HeraldStore
import Hummingbird

/// The body of `POST /v1/webhooks`.
struct WebhookRequestJSON: Decodable {
    var url: String?
    var events: [String]?
    var secret: String?
    var vocabulary: String?
    var batch: Batch?

    /// Opt-in batching: `{"max_events": 1-1000, "max_latency_ms": 10-60000 (default 1000)}`.
    struct Batch: Decodable {
        var maxEvents: Int?
        var maxLatencyMs: Int?
        enum CodingKeys: String, CodingKey { case maxEvents = "max_events", maxLatencyMs = "max_latency_ms" }
    }
}

/// A webhook as the API shows it (the secret only in the answer that created it).
struct WebhookJSON: Encodable {
    var id: String
    var url: String
    var events: [String]
    var secret: String?
    var createdAt: String
    var vocabulary: String
    var batch: BatchJSON?
    /// After a rotation: until when the previous secret also signs.
    var previousSecretExpiresAt: String?

    struct BatchJSON: Encodable {
        var maxEvents: Int
        var maxLatencyMs: Int
        enum CodingKeys: String, CodingKey { case maxEvents = "max_events", maxLatencyMs = "max_latency_ms" }
    }

    init(_ webhook: Webhook, showSecret: Bool) {
        vocabulary = webhook.vocabulary.rawValue
        batch = webhook.batch.map { BatchJSON(maxEvents: $0.maxEvents, maxLatencyMs: $0.maxLatencyMs) }
        id = webhook.id
        url = webhook.url
        events = webhook.events.sorted()
        secret = showSecret ? webhook.secret : nil
        createdAt = Timestamp.format(webhook.createdAt)
        previousSecretExpiresAt = webhook.previousSecretUntil.map(Timestamp.format)
    }

    enum CodingKeys: String, CodingKey {
        case id, url, events, secret, vocabulary, batch, createdAt = "created_at", previousSecretExpiresAt = "previous_secret_expires_at"
    }
}

struct DeliveryJSON: Encodable {
    struct Attempt: Encodable {
        var at: String
        var statusCode: Int?
        var latencyMs: Int
        var error: String?
        enum CodingKeys: String, CodingKey { case at, statusCode = "status_code", latencyMs = "latency_ms", error }
    }

    var id: String
    var eventID: String
    var messageID: String
    var sequence: Int64
    var state: String
    var attempts: [Attempt]
    var nextAttemptAt: String?
    var createdAt: String
    var deliveredAt: String?

    init(_ delivery: WebhookDelivery, attempts: [DeliveryAttempt]) {
        id = delivery.id
        eventID = delivery.eventID
        messageID = delivery.messageID
        sequence = delivery.sequence
        state = delivery.state.rawValue
        self.attempts = attempts.map { Attempt(at: Timestamp.format($0.at), statusCode: $0.statusCode, latencyMs: $0.latencyMs, error: $0.error) }
        nextAttemptAt = delivery.state == .pending ? Timestamp.format(delivery.nextAttemptAt) : nil
        createdAt = Timestamp.format(delivery.createdAt)
        deliveredAt = delivery.deliveredAt.map(Timestamp.format)
    }

    enum CodingKeys: String, CodingKey {
        case id, sequence, state, attempts
        case eventID = "event_id", messageID = "message_id", nextAttemptAt = "next_attempt_at", createdAt = "created_at", deliveredAt = "delivered_at"
    }
}

extension HeraldAPI {
    /// Event types a webhook may subscribe to: every status and engagement word.
    static let webhookEventTypes: Set<String> = Set(MessageStatus.allCases.map(\.rawValue) + Engagement.allCases.map(\.rawValue))

    /// `POST /v1/webhooks`: a new endpoint; the answer carries its signing secret (generated unless given).
    @Sendable func createWebhook(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let body: WebhookRequestJSON = try await Self.decode(request, context: context)
        if let error = FieldLimits.check(body.url, field: "url", limit: FieldLimits.url) { throw APIProblem.invalid(error) }
        guard let url = body.url, let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
              parsed.host?.isEmpty == false else {
            throw APIProblem.invalid(FieldError(field: "url", problem: body.url == nil ? "url is missing" : "'\(body.url!)' is not an http(s) URL",
                                                fix: "use an absolute URL such as https://example.com/herald"))
        }
        try checkCallbackURL(url, field: "url")
        let events = Set((body.events ?? []).map { $0.uppercased() })
        if let unknown = events.first(where: { !Self.webhookEventTypes.contains($0) }) {
            throw APIProblem.invalid(FieldError(field: "events", problem: "'\(unknown)' is not an event type",
                                                fix: "use status words (DELIVERED, UNDELIVERED, ...) or engagement (READ, REPLIED, ...), or leave events out for all"))
        }
        if let secret = body.secret, secret.count < 16 {
            throw APIProblem.invalid(FieldError(field: "secret", problem: "the secret is \(secret.count) characters long", fix: "use at least 16 characters, or leave it out to get one"))
        }
        var vocabulary = Vocabulary.canonical
        if let raw = body.vocabulary {
            guard let known = Vocabulary(rawValue: raw.lowercased()) else {
                throw APIProblem.invalid(FieldError(field: "vocabulary", problem: "unknown vocabulary '\(raw)'",
                                                    fix: "use one of: " + Vocabulary.allCases.map(\.rawValue).joined(separator: ", ")))
            }
            vocabulary = known
        }
        var batch: Webhook.Batch?
        if let requested = body.batch {
            guard let maxEvents = requested.maxEvents, (1...1000).contains(maxEvents) else {
                throw APIProblem.invalid(FieldError(field: "batch.max_events", problem: requested.maxEvents.map { "max_events \($0) is out of range" } ?? "max_events is missing",
                                                    fix: "use 1 to 1000 events per POST"))
            }
            let latency = requested.maxLatencyMs ?? 1_000
            guard (10...60_000).contains(latency) else {
                throw APIProblem.invalid(FieldError(field: "batch.max_latency_ms", problem: "max_latency_ms \(latency) is out of range",
                                                    fix: "use 10 to 60000 milliseconds (default 1000)"))
            }
            batch = Webhook.Batch(maxEvents: maxEvents, maxLatencyMs: latency)
        }
        let webhook = Webhook(id: HeraldID.make(.webhook), accountID: account.id, url: url, events: events, secret: body.secret ?? WebhookSecret.make(),
                              createdAt: Date(), vocabulary: vocabulary, batch: batch)
        try await store.createWebhook(webhook)
        return try Self.encode(WebhookJSON(webhook, showSecret: true), status: .created)
    }

    /// The body of `POST /v1/webhooks/{id}/rotate-secret` (optional).
    struct RotationJSON: Decodable, StrictBody {
        var secret: String?
        var graceSeconds: Int?
        enum CodingKeys: String, CodingKey { case secret, graceSeconds = "grace_seconds" }
        static let fields: [String: BodyField] = ["secret": .value, "grace_seconds": .value]
    }

    /// `POST /v1/webhooks/{id}/rotate-secret`: a new signing secret (generated unless given); for `grace_seconds`
    /// (default a day) callbacks carry a second `v1` signature made with the old one, so the receiver can switch
    /// whenever it likes within that time. Every node signs with both within 30 s.
    @Sendable func rotateWebhookSecret(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let id = try context.parameters.require("id")
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        let body: RotationJSON = buffer.readableBytes == 0 ? RotationJSON() : try Self.decode(Data(buffer: buffer))
        if let secret = body.secret, secret.count < 16 {
            throw APIProblem.invalid(FieldError(field: "secret", problem: "the secret is \(secret.count) characters long", fix: "use at least 16 characters, or leave it out to get one"))
        }
        let grace = body.graceSeconds ?? 86_400
        guard (0...604_800).contains(grace) else {
            throw APIProblem.invalid(FieldError(field: "grace_seconds", problem: "grace_seconds \(grace) is out of range", fix: "use 0 to 604800 (a week); default 86400"))
        }
        guard let webhook = try await store.rotateWebhookSecret(id: id, accountID: account.id, secret: body.secret ?? WebhookSecret.make(),
                                                                previousUntil: Date().addingTimeInterval(TimeInterval(grace))) else {
            throw APIProblem.notFound("webhook", id: id)
        }
        return try Self.encode(WebhookJSON(webhook, showSecret: true))
    }

    /// `GET /v1/webhooks`.
    @Sendable func listWebhooks(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        return try Self.encode(["data": try await store.webhooks(accountID: account.id).map { WebhookJSON($0, showSecret: false) }])
    }

    /// `DELETE /v1/webhooks/{id}`: stops callbacks to it; pending deliveries are dropped.
    @Sendable func deleteWebhook(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let id = try context.parameters.require("id")
        guard try await store.deleteWebhook(id: id, accountID: account.id) else { throw APIProblem.notFound("webhook", id: id) }
        return Response(status: .noContent)
    }

    /// `GET /v1/webhooks/{id}/deliveries`: newest first, each with its attempts (status code, latency, error).
    @Sendable func webhookDeliveries(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let id = try context.parameters.require("id")
        let limit = try Self.limit(request.uri.queryParameters["limit"].map(String.init), default: 50)
        guard let found = try await store.deliveries(webhookID: id, accountID: account.id, limit: limit) else { throw APIProblem.notFound("webhook", id: id) }
        return try Self.encode(["data": found.map { DeliveryJSON($0.0, attempts: $0.1) }])
    }

    /// `POST /v1/webhooks/{id}/deliveries/{delivery}/resend`: sends the delivery again now, whatever its state.
    @Sendable public func resendDelivery(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let delivery = try context.parameters.require("delivery")
        guard try await store.resendDelivery(id: delivery, accountID: account.id, now: Date()) else { throw APIProblem.notFound("delivery", id: delivery) }
        return Response(status: .accepted)
    }
}
