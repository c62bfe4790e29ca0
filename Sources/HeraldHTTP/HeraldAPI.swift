import Foundation
import HTTPTypes
import Hummingbird
import HeraldConnectors
import HeraldCore
import HeraldJSON
import HeraldEngine
import HeraldLinks
import HeraldStore
import HeraldWebhooks
import Logging

/// The `/v1` JSON API, health endpoints and the OpenAPI document.
public struct HeraldAPI: Sendable {
    public let gateway: Gateway
    public let maxBatch: Int
    /// The connectors `GET /v1/connectors` reports on.
    public let connectors: [any Connector]
    /// Each key's request rate on this node.
    let rateLimiter: KeyRateLimiter
    /// How large a request body may be.
    let limits: RequestLimits
    /// Authenticated keys; run it as a service to hear of other nodes' revocations.
    public let keyCache: KeyCache
    /// How often an idle event stream looks for new events.
    let feedPollInterval: Duration
    /// Receipts ingested since start by outcome (the ingestor's counters), shown with the unmatched ones.
    let receiptCounts: @Sendable () -> ReceiptIngestor.Counts?
    /// Where status callbacks may go (the sender's policy): a webhook or `callback_url` it can never reach is refused.
    let callbackAddresses: AddressPolicy
    /// Herald's signed links (with its public URL): the one-click unsubscribe. Without them those links are 404.
    let links: LinkSigner?
    /// Where HTTP providers' callbacks go (`/v1/providers/...`); nil: those routes answer 404.
    let providerIntake: ProviderCallbackIntake?
    /// The address providers call Herald at (`--public-url`): the URL they sign is this plus the path.
    let publicURL: String?
    /// The metrics in Prometheus' text format (`GET /metrics`, operator keys only); nil: the route answers 404.
    let metrics: (@Sendable () -> String)?

    public init(gateway: Gateway, maxBatch: Int = 1000, connectors: [any Connector] = [], feedPollInterval: Duration = .milliseconds(200),
                receiptCounts: @escaping @Sendable () -> ReceiptIngestor.Counts? = { nil },
                callbackAddresses: AddressPolicy = AddressPolicy(allowPrivate: false), links: LinkSigner? = nil,
                providerIntake: ProviderCallbackIntake? = nil, publicURL: String? = nil, metrics: (@Sendable () -> String)? = nil,
                rateLimiter: KeyRateLimiter = KeyRateLimiter(), keyCache: KeyCache? = nil, limits: RequestLimits = RequestLimits()) {
        self.limits = limits
        self.rateLimiter = rateLimiter
        self.keyCache = keyCache ?? KeyCache(store: gateway.store)
        self.metrics = metrics
        self.links = links
        self.providerIntake = providerIntake
        self.publicURL = publicURL
        self.callbackAddresses = callbackAddresses
        self.feedPollInterval = feedPollInterval
        self.receiptCounts = receiptCounts
        self.gateway = gateway
        self.maxBatch = maxBatch
        self.connectors = connectors
    }

    var store: any HeraldStore { gateway.store }

    /// The router with every route of `openapi.json`.
    /// `otherRoutes`: what another part adds to the router afterwards (the dashboard), so that a wrong method on its
    /// paths is a 405 like the API's.
    public func router(otherRoutes: [(method: HTTPRequest.Method, path: String)] = []) -> Router<HeraldRequestContext> {
        let router = Router(context: HeraldRequestContext.self)
        router.add(middleware: ProblemMiddleware(
            routes: Self.publicRoutes + endpoints.map { ($0.method, $0.path) } + otherRoutes, logger: Logger(label: "herald.http")))
        // Requests by route, method and status (and their durations), exported with the rest at GET /metrics.
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: RequestLimitMiddleware(limits: limits))
        router.get("/health") { _, _ in try Self.json(["status": "ok"]) }
        router.get("/ready") { _, _ in
            do {
                _ = try await store.account(forKeyHash: "readiness-probe")
                return try Self.json(["status": "ready"])
            } catch {
                throw APIProblem(status: .serviceUnavailable, type: "not-ready", title: "Not ready", detail: "database check failed: \(error)",
                                 fix: "check the database URL and that the database is up")
            }
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.data)))
        }
        router.get("/v1/reasons") { _, _ in
            try Self.encode(["data": ReasonCatalogue.all.compactMap { ReasonJSON($0.code) }])
        }
        router.get("/t/u/:token", use: unsubscribePage)
        router.post("/t/u/:token", use: unsubscribe)
        router.get("/t/o/:token", use: openPixel)
        router.get("/t/c/:token", use: click)
        addProviderRoutes(to: router)
        router.group("metrics").add(middleware: APIKeyMiddleware(store: store, limiter: rateLimiter, cache: keyCache)).get { _, context in
            try context.requireOperator("the metrics")
            guard let metrics else { throw APIProblem.notFound("metrics", id: "metrics") }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: metrics())))
        }
        let v1 = router.group("v1").add(middleware: APIKeyMiddleware(store: store, limiter: rateLimiter, cache: keyCache))
        for endpoint in endpoints {
            let (scope, handler) = (endpoint.scope, endpoint.handler)
            v1.on(RouterPath(String(endpoint.path.dropFirst("/v1/".count))), method: endpoint.method) { request, context in
                try context.require(scope)
                return try await handler(request, context)
            }
        }
        return router
    }

    /// An authenticated `/v1` route. `openapi.json` documents exactly these (a test checks it).
    public struct Endpoint: Sendable {
        public var method: HTTPRequest.Method
        /// What the key must be allowed to do: read, send, or change the account's configuration.
        public var scope: APIKeyScope
        /// OpenAPI form: `/v1/messages/{id}`.
        public var openAPIPath: String
        var path: String
        var handler: @Sendable (Request, HeraldRequestContext) async throws -> Response
    }

    /// Every `/v1` route.
    public var endpoints: [Endpoint] {
        [
            Endpoint(method: .post, scope: .send, openAPIPath: "/v1/messages", path: "/v1/messages", handler: sendOne),
            Endpoint(method: .post, scope: .send, openAPIPath: "/v1/messages/batch", path: "/v1/messages/batch", handler: sendBatch),
            Endpoint(method: .post, scope: .send, openAPIPath: "/v1/messages/preview", path: "/v1/messages/preview", handler: preview),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/messages", path: "/v1/messages", handler: list),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/messages/export", path: "/v1/messages/export", handler: export),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/messages/{id}", path: "/v1/messages/:id", handler: show),
            Endpoint(method: .post, scope: .send, openAPIPath: "/v1/messages/{id}/cancel", path: "/v1/messages/:id/cancel", handler: cancel),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/stats", path: "/v1/stats", handler: stats),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/receipts/unmatched", path: "/v1/receipts/unmatched", handler: unmatched),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/inbound", path: "/v1/inbound", handler: inbound),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/connectors", path: "/v1/connectors", handler: connectorHealth),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/suppressions", path: "/v1/suppressions", handler: listSuppressions),
            Endpoint(method: .post, scope: .admin, openAPIPath: "/v1/suppressions", path: "/v1/suppressions", handler: addSuppression),
            Endpoint(method: .delete, scope: .admin, openAPIPath: "/v1/suppressions", path: "/v1/suppressions", handler: removeSuppression),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/account", path: "/v1/account", handler: showAccount),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/events", path: "/v1/events", handler: events),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/webhooks", path: "/v1/webhooks", handler: listWebhooks),
            Endpoint(method: .post, scope: .admin, openAPIPath: "/v1/webhooks", path: "/v1/webhooks", handler: createWebhook),
            Endpoint(method: .delete, scope: .admin, openAPIPath: "/v1/webhooks/{id}", path: "/v1/webhooks/:id", handler: deleteWebhook),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/webhooks/{id}/deliveries", path: "/v1/webhooks/:id/deliveries", handler: webhookDeliveries),
            Endpoint(method: .post, scope: .admin, openAPIPath: "/v1/webhooks/{id}/deliveries/{delivery}/resend", path: "/v1/webhooks/:id/deliveries/:delivery/resend",
                     handler: resendDelivery),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/events/stream", path: "/v1/events/stream", handler: eventStream),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/dnd", path: "/v1/dnd", handler: listDND),
            Endpoint(method: .post, scope: .admin, openAPIPath: "/v1/dnd", path: "/v1/dnd", handler: importDND),
            Endpoint(method: .delete, scope: .admin, openAPIPath: "/v1/dnd", path: "/v1/dnd", handler: removeDND),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/templates", path: "/v1/templates", handler: listTemplates),
            Endpoint(method: .post, scope: .admin, openAPIPath: "/v1/templates", path: "/v1/templates", handler: putTemplate),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/templates/{name}", path: "/v1/templates/:name", handler: showTemplate),
            Endpoint(method: .delete, scope: .admin, openAPIPath: "/v1/templates/{name}", path: "/v1/templates/:name", handler: deleteTemplate),
            Endpoint(method: .patch, scope: .admin, openAPIPath: "/v1/account", path: "/v1/account", handler: updateAccount),
            Endpoint(method: .post, scope: .send, openAPIPath: "/v1/campaigns", path: "/v1/campaigns", handler: createCampaign),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/campaigns", path: "/v1/campaigns", handler: listCampaigns),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/campaigns/{id}", path: "/v1/campaigns/:id", handler: showCampaign),
            Endpoint(method: .post, scope: .send, openAPIPath: "/v1/campaigns/{id}/recipients", path: "/v1/campaigns/:id/recipients", handler: addCampaignRecipients),
            Endpoint(method: .get, scope: .read, openAPIPath: "/v1/campaigns/{id}/messages", path: "/v1/campaigns/:id/messages", handler: campaignMessages),
            Endpoint(method: .post, scope: .send, openAPIPath: "/v1/campaigns/{id}/pause", path: "/v1/campaigns/:id/pause", handler: pauseCampaign),
            Endpoint(method: .post, scope: .send, openAPIPath: "/v1/campaigns/{id}/resume", path: "/v1/campaigns/:id/resume", handler: resumeCampaign),
            Endpoint(method: .post, scope: .send, openAPIPath: "/v1/campaigns/{id}/cancel", path: "/v1/campaigns/:id/cancel", handler: cancelCampaign),
            Endpoint(method: .post, scope: .admin, openAPIPath: "/v1/webhooks/{id}/rotate-secret", path: "/v1/webhooks/:id/rotate-secret",
                     handler: rotateWebhookSecret),
            Endpoint(method: .post, scope: .admin, openAPIPath: "/v1/keys", path: "/v1/keys", handler: createKey),
            Endpoint(method: .get, scope: .admin, openAPIPath: "/v1/keys", path: "/v1/keys", handler: listKeys),
            Endpoint(method: .delete, scope: .admin, openAPIPath: "/v1/keys/{id}", path: "/v1/keys/:id", handler: revokeKey),
            Endpoint(method: .post, scope: .admin, openAPIPath: "/v1/accounts", path: "/v1/accounts", handler: createAccount),
            Endpoint(method: .get, scope: .admin, openAPIPath: "/v1/accounts", path: "/v1/accounts", handler: listAccounts),
            Endpoint(method: .delete, scope: .admin, openAPIPath: "/v1/accounts/{id}", path: "/v1/accounts/:id", handler: disableAccount),
        ]
    }

    /// Unauthenticated routes, also in `openapi.json`.
    public static let publicRoutes: [(method: HTTPRequest.Method, path: String)] = [
        (.get, "/health"), (.get, "/ready"), (.get, "/openapi.json"), (.get, "/v1/reasons"), (.get, "/metrics"),
    ] + linkRoutes + providerRoutes

    // MARK: Handlers

    /// Refuses a callback URL the sender could never deliver to (a private or loopback address while the server does not
    /// allow them), instead of accepting it and retrying for 32 hours.
    func checkCallbackURL(_ url: String?, field: String) throws {
        guard let url, let why = callbackAddresses.refusal(ofURL: url) else { return }
        throw APIProblem.invalid(FieldError(field: field, problem: "\(field) can never be called: \(why)",
                                            fix: "use a public address, or run herald serve --webhooks-allow-private"))
    }

    /// The `Idempotency-Key` header, at most ``FieldLimits/idempotencyKey`` characters.
    static func idempotencyKey(_ request: Request) throws -> String? {
        let key = request.headers[.idempotencyKey]
        if let error = FieldLimits.check(key, field: "Idempotency-Key", limit: FieldLimits.idempotencyKey) { throw APIProblem.invalid(error) }
        return key
    }

    @Sendable func sendOne(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let body: SendRequestJSON = try await Self.decode(request, context: context)
        let key = try Self.idempotencyKey(request)
        let sendRequest = try body.request()
        try checkCallbackURL(sendRequest.callbackURL, field: "callback_url")
        let result = try await gateway.send([sendRequest], accountID: account.id, settings: account.settings, idempotencyKey: key)
        switch result {
        case .failure(let error):
            throw APIProblem.invalid(error)
        case .success(let accepted):
            let first = accepted[0]
            if let message = first.message {
                var json = MessageJSON(MessageRecord(new: message), vocabulary: .canonical, currency: gateway.prices.currency)
                json.explanation = message.draft.initialDetail
                return Self.write(status: .accepted) { json.write(to: &$0) }
            }
            // Idempotent replay: the message as it is now.
            guard let stored = try await store.message(id: first.outcome.messageID, accountID: account.id) else {
                throw APIProblem.notFound("message", id: first.outcome.messageID)
            }
            if let key, let field = IdempotentReplay.differingField(sendRequest, stored: stored, settings: account.settings) {
                throw IdempotentReplay.problem(field: field, key: key, messageID: stored.id)
            }
            var response = Self.write { MessageJSON(stored, vocabulary: .canonical, currency: gateway.prices.currency).write(to: &$0) }
            response.headers[.idempotentReplayed] = "true"
            return response
        }
    }

    @Sendable func sendBatch(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let body: BatchRequestJSON = try await Self.decode(request, context: context)
        guard let items = body.messages else {
            throw APIProblem.invalid(FieldError(field: "messages", problem: "messages is missing", fix: "send {\"messages\": [ ... ]} with 1 to \(maxBatch) messages"))
        }
        guard !items.isEmpty, items.count <= maxBatch else {
            throw APIProblem(status: items.isEmpty ? .unprocessableContent : .contentTooLarge, type: "batch-size", title: "Batch size out of range",
                             detail: "the batch has \(items.count) messages", field: "messages", fix: "send 1 to \(maxBatch) messages per batch")
        }
        let requests = try items.enumerated().map { try $0.element.request(field: "messages[\($0.offset)].") }
        for (index, item) in requests.enumerated() { try checkCallbackURL(item.callbackURL, field: "messages[\(index)].callback_url") }
        let result = try await gateway.send(requests, accountID: account.id, settings: account.settings, idempotencyKey: try Self.idempotencyKey(request),
                                            batch: true)
        switch result {
        case .failure(let error):
            throw APIProblem.invalid(error)
        case .success(let accepted):
            return Self.write(status: .accepted) { writer in
                writer.object { writer in
                    writer.key("data")
                    writer.array(accepted.enumerated()) { writer, item in
                        writer.object { writer in
                            writer.field("index", item.offset)
                            writer.field("id", item.element.outcome.messageID)
                            writer.optionalField("status", item.element.message?.draft.initialStatus.rawValue)
                            writer.optionalField("reason", ReasonJSON(item.element.message?.draft.rejection))
                            writer.field("replayed", item.element.message == nil)
                        }
                    }
                }
            }
        }
    }

    @Sendable func show(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let id = try context.parameters.require("id")
        let vocabulary = try Self.vocabulary(request)
        // One snapshot: the timeline shown always agrees with the status shown.
        guard let (message, events) = try await store.messageWithEvents(id: id, accountID: account.id) else {
            throw APIProblem.notFound("message", id: id)
        }
        let parts = message.parts.enumerated().map { PartRecord(index: $0.offset, state: $0.element) }
        let counts = EngagementCount.mayHaveCounts(message.engagement) ? try await store.engagementCounts(messageID: id) : []
        let json = MessageJSON(message, vocabulary: vocabulary, currency: gateway.prices.currency, parts: parts, events: events,
                               providerPrices: try await store.providerPrices(messageID: id), engagementCounts: counts)
        return Self.write { json.write(to: &$0) }
    }

    @Sendable func cancel(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let id = try context.parameters.require("id")
        switch try await store.cancel(messageID: id, accountID: account.id, now: Date()) {
        case .notFound:
            throw APIProblem.notFound("message", id: id)
        case .notCancelable(let status):
            throw APIProblem(status: .conflict, type: "not-cancelable", title: "Message cannot be canceled",
                             detail: "message \(id) is \(status.rawValue): \(status.meaning)",
                             fix: status.isFinal ? "nothing to cancel: it has a final status" : "only SCHEDULED, QUEUED or DEFERRED messages no provider has taken can be canceled; this one is already on its way")
        case .canceled:
            return try await show(request, context: context)
        }
    }

    /// The log filters shared by the list and the export: status (in the words of `vocabulary`), reason, channel, to,
    /// from, tag, campaign, connector, since, until.
    static func messageFilter(_ request: Request, accountID: String) throws -> MessageQuery {
        let query = request.uri.queryParameters
        var filter = MessageQuery(accountID: accountID)
        if let status = query["status"].map(String.init) {
            let vocabulary = try Self.vocabulary(request)
            if vocabulary == .canonical {
                guard let parsed = MessageStatus(rawValue: status.uppercased()) else {
                    throw APIProblem.badQuery("status", "unknown status '\(status)'", fix: "use a canonical status: " + MessageStatus.allCases.map(\.rawValue).joined(separator: ", "))
                }
                filter.status = parsed
            } else {
                guard let word = StatusWordFilter(word: status, vocabulary: vocabulary) else {
                    let words = Set(MessageStatus.allCases.map { vocabulary.word(for: $0) }).sorted()
                    throw APIProblem.badQuery("status", "'\(status)' is not a status word of the \(vocabulary.rawValue) vocabulary",
                                              fix: "use one of: " + words.joined(separator: ", ") + ", or leave out vocabulary for canonical statuses")
                }
                filter.statuses = word.statuses
                if !word.isExactByStatus { filter.word = word }
            }
        }
        filter.to = query["to"].map(String.init)
        filter.tag = query["tag"].map(String.init)
        filter.since = try Self.date(query["since"].map(String.init), field: "since")
        filter.until = try Self.date(query["until"].map(String.init), field: "until")
        filter.campaignID = query["campaign"].map(String.init)
        if let reason = query["reason"].map(String.init) {
            guard let parsed = ReasonCode(rawValue: reason.uppercased()) else {
                throw APIProblem.badQuery("reason", "unknown reason '\(reason)'", fix: "use a reason code of GET /v1/reasons, e.g. UNREACHABLE")
            }
            filter.reason = parsed
        }
        if let channel = query["channel"].map(String.init) {
            guard let parsed = Channel(rawValue: channel.lowercased()) else {
                throw APIProblem.badQuery("channel", "unknown channel '\(channel)'", fix: "use one of: " + Channel.allCases.map(\.rawValue).joined(separator: ", "))
            }
            filter.channel = parsed
        }
        filter.from = query["from"].map(String.init)
        filter.connector = query["connector"].map(String.init)
        return filter
    }

    @Sendable func list(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        return try await messagePage(request, filter: try Self.messageFilter(request, accountID: account.id))
    }

    /// A page of the message log (`?cursor=`, `?limit=`, `?vocabulary=`) with the filter given: the log, or a campaign's detail.
    func messagePage(_ request: Request, filter: MessageQuery) async throws -> Response {
        let query = request.uri.queryParameters
        let vocabulary = try Self.vocabulary(request)
        let limit = try Self.limit(query["limit"].map(String.init), default: 50)
        var pageQuery = filter
        pageQuery.before = query["cursor"].map(String.init)
        pageQuery.limit = limit + 1
        pageQuery.scanLimit = MessageQuery.pageScan
        var read = try await store.messagePage(matching: pageQuery)
        var page = read.records
        if let word = filter.word {
            // The store selected on statuses; the word also depends on the reason: keep reading until the page is full.
            page = read.records.filter { word.matches(status: $0.status, reason: $0.reason, engagement: $0.engagement) }
            while page.count <= limit, read.records.count == pageQuery.limit, let last = read.records.last {
                pageQuery.before = last.id
                read = try await store.messagePage(matching: pageQuery)
                page += read.records.filter { word.matches(status: $0.status, reason: $0.reason, engagement: $0.engagement) }
            }
            page = Array(page.prefix(limit + 1))
        }
        let hasMore = page.count > limit
        if hasMore { page.removeLast() }
        // A filter no index serves read a bounded stretch of the log: a short page goes on after the last message read.
        let nextCursor = hasMore ? page.last?.id : read.readTo
        let currency = gateway.prices.currency
        return Self.write { writer in
            writer.object { writer in
                writer.key("data")
                writer.array(page) { writer, message in MessageJSON(message, vocabulary: vocabulary, currency: currency).write(to: &writer) }
                writer.field("next_cursor", nextCursor)
            }
        }
    }

    @Sendable func stats(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let since = try Self.date(request.uri.queryParameters["since"].map(String.init), field: "since")
        let counts = try await store.statusCounts(accountID: account.id, since: since)
        var byStatus: [String: Int] = [:]
        for status in MessageStatus.allCases { byStatus[status.rawValue] = counts[status] ?? 0 }
        let total = counts.values.reduce(0, +)
        let final = counts.filter { $0.key.isFinal }.values.reduce(0, +)
        struct Stats: Encodable {
            var total: Int
            var final: Int
            var pending: Int
            var byStatus: [String: Int]
            enum CodingKeys: String, CodingKey { case total, final, pending, byStatus = "by_status" }
        }
        return try Self.encode(Stats(total: total, final: final, pending: total - final, byStatus: byStatus))
    }

    /// `GET /v1/receipts/unmatched`: receipts no message claimed, with why. They belong to no account yet (their text can
    /// hold another account's one-time code), so only an operator key reads them.
    @Sendable func unmatched(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        try context.requireOperator("GET /v1/receipts/unmatched")
        let receipts = try await store.unmatchedReceipts(connector: request.uri.queryParameters["connector"].map(String.init), limit: 200)
        struct Item: Encodable {
            var id: String
            var connector: String
            var providerMessageID: String
            var type: String
            var reason: String?
            var occurredAt: String
            var receivedAt: String
            var provider: ProviderDetail?
            var parked: String?
            var addresses: [String]
            enum CodingKeys: String, CodingKey {
                case id, connector, type, reason, provider, parked, addresses
                case providerMessageID = "provider_message_id", occurredAt = "occurred_at", receivedAt = "received_at"
            }
        }
        struct Counts: Encodable {
            var applied: Int
            var duplicate: Int
            var parked: Int
        }
        struct Page: Encodable {
            var data: [Item]
            /// Receipts this process ingested since it started, by outcome.
            var sinceStart: Counts?
            enum CodingKeys: String, CodingKey { case data, sinceStart = "since_start" }
        }
        return try Self.encode(Page(data: receipts.map {
            Item(id: $0.id, connector: $0.receipt.connector, providerMessageID: $0.receipt.providerMessageID, type: $0.receipt.kind.rawValue,
                 reason: $0.receipt.reason?.rawValue, occurredAt: Timestamp.format($0.receipt.occurredAt),
                 receivedAt: Timestamp.format($0.receipt.receivedAt), provider: $0.receipt.detail, parked: $0.reason, addresses: $0.receipt.addresses)
        }, sinceStart: receiptCounts().map { Counts(applied: $0.applied, duplicate: $0.duplicate, parked: $0.parked) }))
    }

    @Sendable func inbound(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let query = request.uri.queryParameters
        let limit = try Self.limit(query["limit"].map(String.init), default: 100)
        var page = try await store.inboundMessages(accountID: account.id, before: query["cursor"].map(String.init), limit: limit + 1)
        let hasMore = page.count > limit
        if hasMore { page.removeLast() }
        struct Item: Encodable {
            var id: String
            var connector: String
            var from: String
            var to: String
            var text: String
            var receivedAt: String
            var inReplyTo: String?
            enum CodingKeys: String, CodingKey {
                case id, connector, from, to, text
                case receivedAt = "received_at", inReplyTo = "in_reply_to"
            }
        }
        struct Page: Encodable {
            var data: [Item]
            var nextCursor: String?
            enum CodingKeys: String, CodingKey { case data, nextCursor = "next_cursor" }
        }
        return try Self.encode(Page(data: page.map {
            Item(id: $0.id, connector: $0.connector, from: $0.from, to: $0.to, text: $0.text,
                 receivedAt: Timestamp.format($0.receivedAt), inReplyTo: $0.inReplyTo)
        }, nextCursor: hasMore ? page.last?.id : nil))
    }

    @Sendable func connectorHealth(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        _ = try context.requireAccount()
        return try Self.encode(["data": connectors.map(\.health)])
    }
}
