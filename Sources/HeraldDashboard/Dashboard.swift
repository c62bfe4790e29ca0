import Foundation
import HeraldCore
import HeraldHTTP
import HeraldStore
import Hummingbird
import Mustache
import MultipartKit
import HeraldEngine

/// The web dashboard, served by `herald serve` on the API's port at `/`: server-rendered HTML (Mustache), a session
/// cookie from signing in with an API key, a CSRF token on every form, and live updates from the account's event
/// stream. Every page reads without JavaScript. The pages only read what the API reads, through the same store roles
/// and the same handlers where the answer is not a page (the event stream, the CSV export).
public struct Dashboard: Sendable {
    let api: HeraldAPI
    let pages: DashboardPages
    /// `Secure` on the cookies: Herald is reached over TLS (its public URL is https).
    let secureCookies: Bool
    let now: @Sendable () -> Date
    /// The dispatcher's connectors and routes: analytics by route, the connectors' circuits.
    let registry: ConnectorRegistry?

    static let sessionCookie = "herald_session"
    static let signInCookie = "herald_signin"

    public init(api: HeraldAPI, registry: ConnectorRegistry? = nil, secureCookies: Bool = false, now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.registry = registry
        self.api = api
        self.pages = DashboardPages(templates: try DashboardTemplates.library(), currency: api.gateway.prices.currency,
                                    connectorNames: api.connectors.map(\.name))
        self.secureCookies = secureCookies
        self.now = now
    }

    var store: any HeraldStore { api.gateway.store }

    /// The dashboard's routes (none under `/v1`).
    public static let routes: [(method: HTTPRequest.Method, path: String)] = [
        (.get, "/"), (.get, "/sign-in"), (.post, "/sign-in"), (.post, "/sign-out"), (.get, "/messages/:id"), (.post, "/messages/:id/cancel"),
        (.get, "/campaigns"), (.post, "/campaigns"), (.get, "/campaigns/:id"), (.post, "/campaigns/:id/pause"), (.post, "/campaigns/:id/resume"), (.post, "/campaigns/:id/cancel"),
        (.get, "/keys"), (.post, "/keys"), (.post, "/keys/:id/revoke"), (.get, "/webhooks"), (.post, "/webhooks/:id/deliveries/:delivery/resend"),
        (.get, "/connectors"), (.get, "/analytics"), (.get, "/lists"), (.post, "/suppressions"), (.post, "/suppressions/remove"), (.post, "/dnd"),
        (.post, "/dnd/remove"), (.get, "/templates"), (.post, "/templates"), (.post, "/templates/:name/delete"), (.get, "/settings"), (.post, "/settings"),
        (.get, "/live"), (.get, "/export.csv"), (.get, "/assets/dashboard.css"), (.get, "/assets/dashboard.js"),
    ]

    public func addRoutes(to router: Router<HeraldRequestContext>) {
        router.get("/assets/dashboard.css") { _, _ in Self.asset(DashboardAssets.css, type: "text/css; charset=utf-8") }
        router.get("/assets/dashboard.js") { _, _ in Self.asset(DashboardAssets.js, type: "text/javascript; charset=utf-8") }
        router.get("/sign-in") { request, context in try await signInPage(request, context: context, error: nil) }
        router.post("/sign-in", use: signIn)
        router.post("/sign-out", use: signOut)
        router.get("/") { request, context in
            try await signedIn(request, context: context) { context, session, secret in
                try await pages.log(request, context: context, store: store, csrf: session.csrfToken(secret: secret))
            }
        }
        router.get("/messages/:id") { request, context in
            try await signedIn(request, context: context) { context, session, secret in
                try await pages.message(try context.parameters.require("id"), request: request, context: context, store: store,
                                        csrf: session.csrfToken(secret: secret))
            }
        }
        router.post("/messages/:id/cancel", use: cancel)
        router.get("/campaigns") { request, context in
            try await signedIn(request, context: context) { context, session, secret in
                try await pages.campaigns(request, context: context, store: store, csrf: session.csrfToken(secret: secret))
            }
        }
        router.post("/campaigns", use: createCampaign)
        router.get("/campaigns/:id") { request, context in
            try await signedIn(request, context: context) { context, session, secret in
                try await pages.campaign(try context.parameters.require("id"), context: context, store: store, csrf: session.csrfToken(secret: secret))
            }
        }
        for (action, handler) in [("pause", api.pauseCampaign), ("resume", api.resumeCampaign), ("cancel", api.cancelCampaign)] {
            router.post(RouterPath("/campaigns/:id/\(action)")) { request, context in
                try await changeCampaign(request, context: context, handler: handler)
            }
        }
        router.get("/keys") { request, context in
            try await signedIn(request, context: context) { context, session, secret in
                try await pages.keys(context: context, store: store, csrf: session.csrfToken(secret: secret))
            }
        }
        router.post("/keys", use: createKey)
        router.post("/keys/:id/revoke") { request, context in
            try await adminAction(request, context: context, then: "/keys") { try await api.revokeKey(request, context: $0) }
        }
        router.get("/webhooks") { request, context in
            try await signedIn(request, context: context) { context, session, secret in
                try await pages.webhooks(context: context, store: store, csrf: session.csrfToken(secret: secret))
            }
        }
        router.post("/webhooks/:id/deliveries/:delivery/resend") { request, context in
            try await adminAction(request, context: context, then: "/webhooks") { try await api.resendDelivery(request, context: $0) }
        }
        router.get("/analytics") { request, context in
            try await signedIn(request, context: context) { context, session, secret in
                try await pages.analytics(request, context: context, store: store, csrf: session.csrfToken(secret: secret), now: now(), registry: registry)
            }
        }
        router.get("/connectors") { request, context in
            try await signedIn(request, context: context) { context, session, secret in
                pages.connectors(api.connectors, registry: registry, context: context, csrf: session.csrfToken(secret: secret), now: now())
            }
        }
        router.get("/lists") { request, context in
            try await signedIn(request, context: context) { context, session, secret in
                try await pages.lists(context: context, store: store, csrf: session.csrfToken(secret: secret))
            }
        }
        router.post("/suppressions") { request, context in
            try await apiForm(request, context: context, then: "/lists", refused: "Not suppressed", handler: api.addSuppression) { form in
                ([], ["channel": form["channel"] ?? "", "recipient": form["recipient"] ?? "", "sender": Self.value(form["sender"])])
            }
        }
        router.post("/suppressions/remove") { request, context in
            try await apiForm(request, context: context, then: "/lists", refused: "Not removed", handler: api.removeSuppression) { form in
                ([("channel", form["channel"] ?? ""), ("recipient", form["recipient"] ?? "")] + (Self.value(form["sender"]).map { [("sender", $0)] } ?? []), nil)
            }
        }
        router.post("/dnd") { request, context in
            try await apiForm(request, context: context, then: "/lists", refused: "Not added", handler: api.importDND) { form in
                let numbers = (form["numbers"] ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                return ([], ["recipients": numbers])
            }
        }
        router.post("/dnd/remove") { request, context in
            try await apiForm(request, context: context, then: "/lists", refused: "Not removed", handler: api.removeDND) { form in
                ([("recipient", form["recipient"] ?? "")], nil)
            }
        }
        router.get("/templates") { request, context in
            try await signedIn(request, context: context) { context, session, secret in
                try await pages.templates(context: context, store: store, csrf: session.csrfToken(secret: secret))
            }
        }
        router.post("/templates") { request, context in
            try await apiForm(request, context: context, then: "/templates", refused: "Template not saved", handler: api.putTemplate) { form in
                ([], ["name": form["name"] ?? "", "channel": Self.value(form["channel"]), "subject": Self.value(form["subject"]),
                      "body": form["body"] ?? "", "html": Self.value(form["html"])])
            }
        }
        router.post("/templates/:name/delete") { request, context in
            try await apiForm(request, context: context, then: "/templates", refused: "Template not deleted", handler: api.deleteTemplate) { _ in ([], nil) }
        }
        router.get("/settings") { request, context in
            try await signedIn(request, context: context) { context, session, secret in
                try await pages.settings(context: context, store: store, csrf: session.csrfToken(secret: secret))
            }
        }
        router.post("/settings") { request, context in
            try await apiForm(request, context: context, then: "/settings", refused: "Settings not saved", handler: api.updateAccount) { form in
                // Every field of the form is sent: an empty one clears the setting (JSON null).
                var patch: [String: Any] = [:]
                for name in ["default_country", "help_text", "quiet_hours_mode"] { patch[name] = Self.value(form[name]).map { $0 as Any } ?? NSNull() }
                for name in ["validity_minutes", "redact_after_days", "delete_after_days"] {
                    guard let text = Self.value(form[name]) else { patch[name] = NSNull(); continue }
                    // Not a number: sent as text, so the API names the field and says what it takes.
                    patch[name] = Int(text).map { $0 as Any } ?? text
                }
                for name in ["smart_encoding", "track_opens", "track_clicks"] {
                    patch[name] = form[name] == "on" ? true as Any : form[name] == "off" ? false as Any : NSNull()
                }
                let start = Self.value(form["quiet_start"]), end = Self.value(form["quiet_end"])
                patch["quiet_hours"] = start == nil && end == nil ? NSNull() : ["start": start ?? "", "end": end ?? ""]
                return ([], patch)
            }
        }
        router.get("/live") { request, context in
            try await signedIn(request, context: context) { context, _, _ in try await api.eventStream(request, context: context) }
        }
        router.get("/export.csv") { request, context in
            try await signedIn(request, context: context) { context, _, _ in try await api.export(request, context: context) }
        }
    }

    // MARK: Sessions

    /// Runs `page` for a signed-in browser whose key still works and may read; otherwise sends it to sign in.
    func signedIn(_ request: Request, context: HeraldRequestContext,
                  _ page: (HeraldRequestContext, DashboardSession, String) async throws -> Response) async throws -> Response {
        guard let (context, session, secret) = try await session(request, context: context) else {
            return Self.redirect("/sign-in", clearing: request.cookies[Self.sessionCookie] != nil ? Self.sessionCookie : nil, secure: secureCookies)
        }
        return try await page(context, session, secret)
    }

    /// The session of the request's cookie, with the context authenticated as its key, if both are still good.
    func session(_ request: Request, context: HeraldRequestContext) async throws -> (HeraldRequestContext, DashboardSession, String)? {
        guard let cookie = request.cookies[Self.sessionCookie]?.value, let accountID = DashboardSession.accountID(inCookie: cookie) else { return nil }
        let secret = try await store.callbackSecret(accountID: accountID)
        guard let session = DashboardSession.verify(cookie: cookie, secret: secret, now: now()),
              let (account, key) = try await api.keyCache.authenticate(keyHash: session.keyHash, store: store), account.id == session.accountID,
              key.scopes.contains(.read) else { return nil }
        var context = context
        context.account = account
        context.key = key
        return (context, session, secret)
    }

    func signInPage(_ request: Request, context: HeraldRequestContext, error: String?) async throws -> Response {
        // Login CSRF: the form's token must equal this cookie's (a page of another site cannot read or set it).
        let token = request.cookies[Self.signInCookie]?.value ?? DashboardSession.start(accountID: "signin", keyHash: "-", now: now()).nonce
        var response = pages.render("sign-in", ["title": "Sign in", "csrf": token, "error": error as Any], status: error == nil ? .ok : .unauthorized)
        response.setCookie(Self.cookie(Self.signInCookie, token, maxAge: 3600, secure: secureCookies))
        return response
    }

    struct SignInForm: Decodable {
        var key: String?
        var csrf: String?
    }

    @Sendable func signIn(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let form = try await Self.form(SignInForm.self, request, context: context)
        guard let expected = request.cookies[Self.signInCookie]?.value, form.csrf == expected else {
            return try await signInPage(request, context: context, error: "The sign-in form expired. Please try again.")
        }
        let secret = (form.key ?? "").trimmingCharacters(in: .whitespaces)
        let hash = APIKeys.hash(secret)
        guard !secret.isEmpty, let (account, key) = try await store.authenticate(keyHash: hash) else {
            return try await signInPage(request, context: context, error: "That API key is unknown or revoked.")
        }
        guard key.scopes.contains(.read) else {
            return try await signInPage(request, context: context, error: "Key \(key.prefix)… cannot read (its scopes: \(APIKeyScope.text(key.scopes))). Use a key with the read scope.")
        }
        let session = DashboardSession.start(accountID: account.id, keyHash: hash, now: now())
        let value = session.cookie(secret: try await store.callbackSecret(accountID: account.id))
        var response = Self.redirect("/", clearing: Self.signInCookie, secure: secureCookies)
        response.setCookie(Self.cookie(Self.sessionCookie, value, maxAge: Int(DashboardSession.lifetime), secure: secureCookies))
        return response
    }

    struct CSRFForm: Decodable {
        var csrf: String?
    }

    @Sendable func signOut(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let form = try await Self.form(CSRFForm.self, request, context: context)
        if let (_, session, secret) = try await session(request, context: context), !session.acceptsCSRF(form.csrf, secret: secret) {
            return pages.problem(.forbidden, heading: "Not signed out", detail: "The form did not come from this session. Reload the page and sign out again.")
        }
        return Self.redirect("/sign-in", clearing: Self.sessionCookie, secure: secureCookies)
    }

    @Sendable func cancel(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let form = try await Self.form(CSRFForm.self, request, context: context)
        return try await formPost(request, context: context, csrf: form.csrf, scope: .send, refused: "Not canceled") { context, _ in
            let id = try context.parameters.require("id")
            guard let account = context.account else { return pages.problem(.unauthorized, heading: "Signed out", detail: "Sign in again.") }
            switch try await store.cancel(messageID: id, accountID: account.id, now: now()) {
            case .notFound: return pages.problem(.notFound, heading: "No such message", detail: "There is no message \(id) in this account.")
            case .notCancelable(let status):
                return pages.problem(.conflict, heading: "Not canceled", detail: "Message \(id) is \(status.rawValue): \(status.meaning)")
            case .canceled: return Self.redirect("/messages/\(id)", clearing: nil, secure: secureCookies)
            }
        }
    }

    /// Pause, resume or cancel through the API's own handler (one rule for what each may do), then back to the report.
    func changeCampaign(_ request: Request, context: HeraldRequestContext,
                        handler: @escaping @Sendable (Request, HeraldRequestContext) async throws -> Response) async throws -> Response {
        let form = try await Self.form(CSRFForm.self, request, context: context)
        return try await formPost(request, context: context, csrf: form.csrf, scope: .send, refused: "Not changed") { context, _ in
            let id = try context.parameters.require("id")
            do {
                _ = try await handler(request, context)
            } catch let problem as APIProblem {
                return pages.problem(problem.status, heading: problem.title, detail: problem.detail)
            }
            return Self.redirect("/campaigns/\(id)", clearing: nil, secure: secureCookies)
        }
    }

    struct CampaignForm: Decodable {
        var csrf: String?
        var name: String?
        var template: String?
        var from: String?
        var paused: String?
        var csv: String?
    }

    /// A campaign from the page's form (multipart/form-data, the CSV file included): made through the API's own rule,
    /// its recipients stored by the same upload as `POST /v1/campaigns/{id}/recipients`; then its report.
    @Sendable func createCampaign(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let contentType = request.headers[.contentType] ?? ""
        let boundary = contentType.split(separator: ";").lazy.map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.lowercased().hasPrefix("boundary=") }.map { String($0.dropFirst("boundary=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        guard let body = try? await request.body.collect(upTo: context.limits.uploadBytes) else {
            return pages.problem(.contentTooLarge, heading: "File too large",
                                 detail: "This Herald takes uploads of at most \(context.limits.uploadBytes) bytes: split the CSV file.")
        }
        let form = boundary.flatMap { try? FormDataDecoder().decode(CampaignForm.self, from: body, boundary: $0) }
        return try await formPost(request, context: context, csrf: form?.csrf, scope: .send, refused: "No campaign made") { context, csrf in
            guard let form, let account = context.account else { return pages.problem(.unauthorized, heading: "Signed out", detail: "Sign in again.") }
            guard let csv = form.csv, !csv.isEmpty else {
                return try await pages.campaigns(request, context: context, store: store, csrf: csrf, error: "Choose a CSV file of recipients.", status: .unprocessableContent)
            }
            let campaign: Campaign
            do {
                campaign = try await api.newCampaign(name: form.name.flatMap { $0.isEmpty ? nil : $0 }, template: form.template,
                                                     from: form.from.flatMap { $0.isEmpty ? nil : $0 }, paused: form.paused != nil, context: context)
                let upload = CampaignUpload(gateway: api.gateway, campaign: campaign, settings: account.settings)
                _ = try await upload.upload(csv: AsyncStream { continuation in
                    continuation.yield(Array(csv.utf8))
                    continuation.finish()
                })
            } catch let problem as APIProblem {
                return try await pages.campaigns(request, context: context, store: store, csrf: csrf,
                                                 error: "\(problem.field.map { "\($0): " } ?? "")\(problem.detail)", status: problem.status)
            } catch let failure as CampaignUpload.Failure {
                return try await pages.campaigns(request, context: context, store: store, csrf: csrf,
                                                 error: "\(failure.error.field): \(failure.error.problem). \(failure.error.fix)", status: .unprocessableContent)
            }
            return Self.redirect("/campaigns/\(campaign.id)", clearing: nil, secure: secureCookies)
        }
    }

    struct KeyForm: Decodable {
        var csrf: String?
        var name: String?
        var rateLimit: String?
        var scopeSend: String?
        var scopeRead: String?
        var scopeAdmin: String?
        enum CodingKeys: String, CodingKey {
            case csrf, name, rateLimit = "rate_limit", scopeSend = "scope_send", scopeRead = "scope_read", scopeAdmin = "scope_admin"
        }
    }

    /// A new key for the session's account through the API's own rule; the page shows its secret once.
    @Sendable func createKey(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let form = try await Self.form(KeyForm.self, request, context: context)
        return try await formPost(request, context: context, csrf: form.csrf, scope: .admin, refused: "No key made") { context, csrf in
            let scopes = [(form.scopeSend, "send"), (form.scopeRead, "read"), (form.scopeAdmin, "admin")].compactMap { $0.0 == nil ? nil : $0.1 }
            let rate = form.rateLimit.flatMap { $0.isEmpty ? nil : $0 }
            guard rate == nil || Int(rate!) != nil else {
                return try await pages.keys(context: context, store: store, csrf: csrf, error: "Requests a second: '\(rate!)' is not a whole number.", status: .unprocessableContent)
            }
            do {
                let created = try await api.issueKey(account: nil, role: nil, scopes: scopes, name: form.name, rateLimit: rate.flatMap { Int($0) }, context: context)
                return try await pages.keys(context: context, store: store, csrf: csrf, created: created, status: .created)
            } catch let problem as APIProblem {
                return try await pages.keys(context: context, store: store, csrf: csrf, error: "\(problem.field.map { "\($0): " } ?? "")\(problem.detail)", status: problem.status)
            }
        }
    }

    /// A form post that changes the account's configuration (admin scope) through an API handler, then back to `page`.
    func adminAction(_ request: Request, context: HeraldRequestContext, then page: String,
                     _ action: @escaping (HeraldRequestContext) async throws -> Response) async throws -> Response {
        let form = try await Self.form(CSRFForm.self, request, context: context)
        return try await formPost(request, context: context, csrf: form.csrf, scope: .admin, refused: "Nothing changed") { context, _ in
            do {
                _ = try await action(context)
            } catch let problem as APIProblem {
                return pages.problem(problem.status, heading: problem.title, detail: problem.detail)
            }
            return Self.redirect(page, clearing: nil, secure: secureCookies)
        }
    }

    /// A form of the dashboard done by the API's own handler, so a page and the API share one rule: `build` turns the
    /// form's fields into the query and the JSON body the handler reads (the route's parameters are the API's). A
    /// refusal shows the API's problem, its field and its fix, with the way back to `page`.
    func apiForm(_ request: Request, context: HeraldRequestContext, then page: String, refused: String,
                 handler: @escaping @Sendable (Request, HeraldRequestContext) async throws -> Response,
                 _ build: @escaping ([String: String]) -> (query: [(String, String)], json: [String: Any]?)) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        let fields = (try? URLEncodedFormDecoder().decode([String: String].self, from: String(buffer: body))) ?? [:]
        return try await formPost(request, context: context, csrf: fields["csrf"], scope: .admin, refused: refused) { context, _ in
            let (query, json) = build(fields)
            var head = HTTPRequest(method: .post, scheme: "http", authority: "dashboard", path: "/?" + DashboardPages.queryString(query))
            head.headerFields[.contentType] = "application/json"
            let data = try json.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
            do {
                _ = try await handler(Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: data))), context)
            } catch let problem as APIProblem {
                let detail = [problem.field.map { "\($0): \(problem.detail)" } ?? problem.detail, problem.fix.map { "Fix: \($0)." }].compactMap { $0 }
                return pages.problem(problem.status, heading: refused, detail: detail.joined(separator: ". "), back: page)
            }
            return Self.redirect(page, clearing: nil, secure: secureCookies)
        }
    }

    /// A form field's text, nil when empty.
    static func value(_ field: String?) -> String? {
        guard let text = field?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }

    /// A signed-in form post: refused with a page headed `refused` unless it carries this session's CSRF token and the
    /// key has `scope`; `action` gets the context and the session's token (for a page it renders).
    func formPost(_ request: Request, context: HeraldRequestContext, csrf token: String?, scope: APIKeyScope, refused: String,
                  _ action: (HeraldRequestContext, String) async throws -> Response) async throws -> Response {
        try await signedIn(request, context: context) { context, session, secret in
            guard session.acceptsCSRF(token, secret: secret) else {
                return pages.problem(.forbidden, heading: refused, detail: "The form did not come from this session. Reload the page and try again.")
            }
            guard context.key?.scopes.contains(scope) == true else {
                return pages.problem(.forbidden, heading: refused, detail: "This key lacks the \(scope.rawValue) scope.")
            }
            return try await action(context, session.csrfToken(secret: secret))
        }
    }

    // MARK: HTTP pieces

    static func form<T: Decodable>(_ type: T.Type, _ request: Request, context: HeraldRequestContext) async throws -> T {
        let body = try await request.body.collect(upTo: 64 * 1024)
        if let decoded = try? URLEncodedFormDecoder().decode(T.self, from: String(buffer: body)) { return decoded }
        return try URLEncodedFormDecoder().decode(T.self, from: "")
    }

    static func cookie(_ name: String, _ value: String, maxAge: Int, secure: Bool) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    static func redirect(_ location: String, clearing cookie: String?, secure: Bool) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        if let cookie { response.setCookie(Self.cookie(cookie, "", maxAge: 0, secure: secure)) }
        return response
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
