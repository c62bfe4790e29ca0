import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HeraldCore
import HeraldDashboard
import HeraldHTTP
import HeraldStore
import Testing

/// A browser without JavaScript: keeps its own cookies, sees redirects itself.
final class Browser: @unchecked Sendable {
    let base: URL
    var cookies: [String: String] = [:]
    let session: URLSession

    init(base: URL) {
        self.base = base
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    struct Page {
        var status: Int
        var location: String?
        var html: String
        var setCookie: String
    }

    func get(_ path: String) async throws -> Page { try await send("GET", path, form: nil) }

    func post(_ path: String, form: [String: String]) async throws -> Page { try await send("POST", path, form: form) }

    func send(_ method: String, _ path: String, form: [String: String]?) async throws -> Page {
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        request.httpMethod = method
        if !cookies.isEmpty { request.setValue(cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "), forHTTPHeaderField: "Cookie") }
        if let form {
            var components = URLComponents()
            components.queryItems = form.map { URLQueryItem(name: $0.key, value: $0.value) }
            request.httpBody = Data((components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B").utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        let setCookie = http.value(forHTTPHeaderField: "Set-Cookie") ?? ""
        for cookie in setCookie.components(separatedBy: ", ") where !cookie.isEmpty {
            let pair = cookie.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            if pair[1].isEmpty || cookie.contains("Max-Age=0") { cookies[String(pair[0])] = nil } else { cookies[String(pair[0])] = String(pair[1]) }
        }
        return Page(status: http.statusCode, location: http.value(forHTTPHeaderField: "Location"), html: String(decoding: data, as: UTF8.self), setCookie: setCookie)
    }

    /// Posts a multipart/form-data form (text fields, and one file field `file` with `fileContent`) as a browser does.
    func postMultipart(_ path: String, fields: [String: String], file: (name: String, content: String)?) async throws -> Page {
        let boundary = "----HeraldTestBoundary7MA4YWxkTrZu0gW"
        var body = ""
        for (name, value) in fields { body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n" }
        if let file {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"list.csv\"\r\nContent-Type: text/csv\r\n\r\n\(file.content)\r\n"
        }
        body += "--\(boundary)--\r\n"
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        request.httpMethod = "POST"
        request.setValue(cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "), forHTTPHeaderField: "Cookie")
        request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        return Page(status: http.statusCode, location: http.value(forHTTPHeaderField: "Location"), html: String(decoding: data, as: UTF8.self), setCookie: "")
    }

    /// The value of the first `name="csrf"` input of a page.
    static func csrf(_ html: String) -> String? {
        guard let range = html.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    func signIn(_ key: String) async throws -> Page {
        let form = try await get("/sign-in")
        return try await post("/sign-in", form: ["key": key, "csrf": Self.csrf(form.html) ?? ""])
    }
}

@Suite("Dashboard: sessions")
struct DashboardSessionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a session cookie verifies with its account's secret until it ends; any change to it is refused")
    func cookie() throws {
        let session = DashboardSession.start(accountID: "acc_1", keyHash: "ab12", now: now)
        let cookie = session.cookie(secret: "s3cret")
        #expect(DashboardSession.accountID(inCookie: cookie) == "acc_1")
        #expect(DashboardSession.verify(cookie: cookie, secret: "s3cret", now: now.addingTimeInterval(60)) == session)
        #expect(DashboardSession.verify(cookie: cookie, secret: "other", now: now) == nil)
        #expect(DashboardSession.verify(cookie: cookie, secret: "s3cret", now: now.addingTimeInterval(DashboardSession.lifetime)) == nil, "ended")
        #expect(DashboardSession.verify(cookie: cookie.replacingOccurrences(of: "acc_1", with: "acc_2"), secret: "s3cret", now: now) == nil)
        let later = cookie.replacingOccurrences(of: "\(Int(session.expiresAt.timeIntervalSince1970))", with: "\(Int(session.expiresAt.timeIntervalSince1970) + 86_400)")
        #expect(DashboardSession.verify(cookie: later, secret: "s3cret", now: now) == nil, "a longer life cannot be forged")
        #expect(DashboardSession.verify(cookie: "garbage", secret: "s3cret", now: now) == nil)
    }

    @Test("the CSRF token belongs to one session")
    func csrf() {
        let one = DashboardSession.start(accountID: "acc_1", keyHash: "ab12", now: now)
        let two = DashboardSession.start(accountID: "acc_1", keyHash: "ab12", now: now)
        #expect(one.acceptsCSRF(one.csrfToken(secret: "s"), secret: "s"))
        #expect(!one.acceptsCSRF(two.csrfToken(secret: "s"), secret: "s"))
        #expect(!one.acceptsCSRF(nil, secret: "s"))
    }
}

@Suite("Dashboard over HTTP", .serialized)
struct DashboardTests {
    @Test("signed out, every page sends you to sign in; a wrong key is refused; the right one opens the log")
    func signIn() async throws {
        try await APIHarness.run { api in
            let browser = Browser(base: api.baseURL)
            let root = try await browser.get("/")
            #expect(root.status == 303)
            #expect(root.location == "/sign-in")
            let form = try await browser.get("/sign-in")
            #expect(form.status == 200)
            #expect(form.html.contains("<label for=\"key\">API key</label>"))
            #expect(form.setCookie.contains("HttpOnly") && form.setCookie.contains("SameSite=Strict"))
            let csrf = try #require(Browser.csrf(form.html))
            let forged = try await browser.post("/sign-in", form: ["key": api.key, "csrf": "not-the-token"])
            #expect(forged.status == 401, "a sign-in form from another site is refused")
            let wrong = try await browser.post("/sign-in", form: ["key": "hk_wrong", "csrf": csrf])
            #expect(wrong.status == 401)
            #expect(wrong.html.contains("unknown or revoked"))
            let signedIn = try await browser.signIn(api.key)
            #expect(signedIn.status == 303)
            #expect(signedIn.location == "/")
            #expect(browser.cookies["herald_session"] != nil)
            let log = try await browser.get("/")
            #expect(log.status == 200)
            #expect(log.html.contains("<h1>Messages</h1>"))
            #expect(log.html.contains("acme"))
        }
    }

    @Test("the log shows a message with its text escaped; its page tells the story; another account never sees it")
    func logAndMessage() async throws {
        try await APIHarness.run { api in
            let sent = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "text": "<script>alert(1)</script>", "tag": "otp"])
            let id = try #require(sent.json["id"] as? String)
            _ = try await api.waitForFinal(id)
            let browser = Browser(base: api.baseURL)
            _ = try await browser.signIn(api.key)
            let log = try await browser.get("/?tag=otp")
            #expect(log.html.contains("href=\"/messages/\(id)\""))
            #expect(log.html.contains("DELIVERED"))
            let page = try await browser.get("/messages/\(id)")
            #expect(page.status == 200)
            #expect(!page.html.contains("<script>alert(1)</script>"))
            #expect(page.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(page.html.contains("Timeline"))
            for event in ["QUEUED", "SENT", "DELIVERED"] { #expect(page.html.contains(">\(event)</strong>"), "\(event) on the timeline") }
            #expect(page.html.contains("from <span class=\"source\">receipt</span>"))
            let filtered = try await browser.get("/?status=UNDELIVERED")
            #expect(!filtered.html.contains(id))
            let bad = try await browser.get("/?status=LOST")
            #expect(bad.status == 400)
            #expect(bad.html.contains("&#39;LOST&#39; is not a status") || bad.html.contains("'LOST' is not a status"))

            let other = Browser(base: api.baseURL)
            _ = try await other.signIn(api.otherKey)
            #expect(try await other.get("/messages/\(id)").status == 404)
            #expect(!(try await other.get("/").html.contains(id)))
        }
    }

    @Test("forms need the session's CSRF token; a revoked key's session ends at once; signing out clears the cookie")
    func csrfRevocationAndSignOut() async throws {
        try await APIHarness.run { api in
            let later = Timestamp.format(Date().addingTimeInterval(3600))
            let scheduled = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "text": "later", "send_at": later])
            let id = try #require(scheduled.json["id"] as? String)
            let browser = Browser(base: api.baseURL)
            _ = try await browser.signIn(api.key)
            let page = try await browser.get("/messages/\(id)")
            #expect(page.html.contains("Cancel this message"))
            let csrf = try #require(Browser.csrf(page.html))
            let forged = try await browser.post("/messages/\(id)/cancel", form: ["csrf": "forged"])
            #expect(forged.status == 403)
            #expect(try await api.request("GET", "/v1/messages/\(id)").json["status"] as? String == "SCHEDULED")
            let canceled = try await browser.post("/messages/\(id)/cancel", form: ["csrf": csrf])
            #expect(canceled.status == 303)
            #expect(try await api.request("GET", "/v1/messages/\(id)").json["status"] as? String == "CANCELED")

            let signOut = try await browser.post("/sign-out", form: ["csrf": csrf])
            #expect(signOut.location == "/sign-in")
            #expect(browser.cookies["herald_session"] == nil)
            #expect(try await browser.get("/").status == 303)

            // A key revoked while signed in: its session ends on the next request.
            let made = try await api.request("POST", "/v1/keys", json: ["scopes": ["read"]])
            let readKey = try #require(made.json["key"] as? String), readID = try #require(made.json["id"] as? String)
            let reader = Browser(base: api.baseURL)
            _ = try await reader.signIn(readKey)
            let readerPage = try await reader.get("/messages/\(id)")
            #expect(readerPage.status == 200)
            #expect(!readerPage.html.contains("Cancel this message"), "a read-only key gets no cancel button")
            #expect(try await api.request("DELETE", "/v1/keys/\(readID)").status == 200)
            #expect(try await reader.get("/").status == 303)
        }
    }
}

@Suite("Dashboard: campaigns", .serialized)
struct DashboardCampaignTests {
    @Test("a paused campaign's report counts its messages by status with links to them; resume from the page sends them")
    func campaignReport() async throws {
        try await APIHarness.run { api in
            _ = try await api.request("POST", "/v1/templates", json: ["name": "promo", "channel": "sms", "body": "Hi {{name}}"])
            let created = try await api.request("POST", "/v1/campaigns", json: ["name": "spring <sale>", "template": "promo", "paused": true])
            let id = try #require((created.json["campaign"] as? [String: Any])?["id"] as? String)
            var csv = "phone,name\n"
            for index in 0..<5 { csv += "+1415555\(2000 + index),N\(index)\n" }
            csv += "+1999,Bad\n"
            _ = try await api.request("POST", "/v1/campaigns/\(id)/recipients", raw: csv, headers: ["Content-Type": "text/csv"])

            let browser = Browser(base: api.baseURL)
            _ = try await browser.signIn(api.key)
            let list = try await browser.get("/campaigns")
            #expect(list.html.contains("href=\"/campaigns/\(id)\""))
            #expect(list.html.contains("spring &lt;sale&gt;"))
            let report = try await browser.get("/campaigns/\(id)")
            #expect(report.status == 200)
            #expect(report.html.contains("paused"))
            #expect(report.html.contains("href=\"/?campaign=\(id)&amp;status=QUEUED\""), "each count links to its messages")
            #expect(report.html.contains(">5</text>"), "5 queued")
            #expect(report.html.contains("href=\"/?campaign=\(id)&amp;reason="), "the rejected one by its reason")
            let queued = try await browser.get("/?campaign=\(id)&status=QUEUED")
            #expect(queued.html.components(separatedBy: "<tr data-id=").count - 1 == 5)

            let csrf = try #require(Browser.csrf(report.html))
            #expect(try await browser.post("/campaigns/\(id)/resume", form: ["csrf": "forged"]).status == 403)
            let resumed = try await browser.post("/campaigns/\(id)/resume", form: ["csrf": csrf])
            #expect(resumed.status == 303)
            #expect(try await api.request("GET", "/v1/campaigns/\(id)").json["state"] as? String == "running")
            let canceledTwice = try await browser.post("/campaigns/\(id)/cancel", form: ["csrf": csrf])
            #expect(canceledTwice.status == 303)
            let again = try await browser.post("/campaigns/\(id)/resume", form: ["csrf": csrf])
            #expect(again.status == 409, "a canceled campaign cannot be resumed: the API's rule, shown as a page")
            #expect(again.html.contains("cannot be"))
        }
    }
}

@Suite("Dashboard: keys, webhooks, connectors", .serialized)
struct DashboardSettingsTests {
    @Test("the keys page makes a key through the API's rule, shows its secret once, and revokes keys")
    func keys() async throws {
        try await APIHarness.run { api in
            let browser = Browser(base: api.baseURL)
            _ = try await browser.signIn(api.key)
            let page = try await browser.get("/keys")
            #expect(page.status == 200)
            let csrf = try #require(Browser.csrf(page.html))
            let made = try await browser.post("/keys", form: ["csrf": csrf, "name": "reports", "scope_read": "1", "rate_limit": "5"])
            #expect(made.status == 201)
            let secret = try #require(made.html.range(of: "<code class=\"secret\">").map { String(made.html[$0.upperBound...].prefix { $0 != "<" }) })
            #expect(secret.hasPrefix("hk_"))
            #expect(try await api.request("GET", "/v1/messages", key: secret).status == 200)
            #expect(try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "text": "x"], key: secret).status == 403)
            #expect(!(try await browser.get("/keys").html.contains(secret)), "the secret is shown once")
            let bad = try await browser.post("/keys", form: ["csrf": csrf, "rate_limit": "0", "scope_read": "1"])
            #expect(bad.status == 422)
            #expect(bad.html.contains("rate_limit"))

            let keyID = try #require((try await api.request("GET", "/v1/keys").json["data"] as? [[String: Any]])?.first { $0["name"] as? String == "reports" }?["id"] as? String)
            #expect(try await browser.post("/keys/\(keyID)/revoke", form: ["csrf": "forged"]).status == 403)
            let revoked = try await browser.post("/keys/\(keyID)/revoke", form: ["csrf": csrf])
            #expect(revoked.status == 303)
            #expect(try await api.request("GET", "/v1/messages", key: secret).status == 401)

            // A read-only key sees no keys page.
            let reader = Browser(base: api.baseURL)
            let readKey = try #require(try await api.request("POST", "/v1/keys", json: ["scopes": ["read"]]).json["key"] as? String)
            _ = try await reader.signIn(readKey)
            #expect(try await reader.get("/keys").status == 403)
        }
    }

    @Test("the webhooks page lists each endpoint's deliveries with their attempts; connectors are for operators")
    func webhooksAndConnectors() async throws {
        try await APIHarness.run { api in
            _ = try await api.request("POST", "/v1/webhooks", json: ["url": "https://example.com/hook?a=1&b=2"])
            let browser = Browser(base: api.baseURL)
            _ = try await browser.signIn(api.key)
            let page = try await browser.get("/webhooks")
            #expect(page.status == 200)
            #expect(page.html.contains("https://example.com/hook?a=1&amp;b=2"))
            #expect(try await browser.get("/connectors").status == 403)
            let ops = Browser(base: api.baseURL)
            _ = try await ops.signIn(api.operatorKey)
            let connectors = try await ops.get("/connectors")
            #expect(connectors.status == 200)
            #expect(connectors.html.contains("simulator"))
            #expect(connectors.html.contains(">up</span>"))
        }
    }
}

@Suite("Dashboard: operators", .serialized)
struct DashboardOperatorTests {
    @Test("an operator key reads any account's log and messages; an account key cannot, whatever it asks")
    func operatorSeesEveryAccount() async throws {
        try await APIHarness.run { api in
            let sent = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "text": "acme's"])
            let id = try #require(sent.json["id"] as? String)
            let ops = Browser(base: api.baseURL)
            _ = try await ops.signIn(api.operatorKey)
            #expect(!(try await ops.get("/").html.contains(id)), "the operator's own account first")
            let log = try await ops.get("/?account=acme")
            #expect(log.html.contains("<option value=\"acme\" selected>acme</option>"))
            #expect(log.html.contains("href=\"/messages/\(id)?account=acme\""))
            let page = try await ops.get("/messages/\(id)?account=acme")
            #expect(page.status == 200)
            #expect(page.html.contains("of account acme"))
            #expect(!page.html.contains("Cancel this message"))
            #expect(try await ops.get("/?account=nobody").status == 404)

            let other = Browser(base: api.baseURL)
            _ = try await other.signIn(api.otherKey)
            #expect(!(try await other.get("/?account=acme").html.contains(id)))
            #expect(try await other.get("/messages/\(id)?account=acme").status == 404)
        }
    }
}

@Suite("Dashboard: analytics", .serialized)
struct DashboardAnalyticsTests {
    @Test("the analytics page reads the ledger's counters: by connector and by destination, with the delivered share")
    func analytics() async throws {
        try await APIHarness.run { api in
            var ids: [String] = []
            for to in ["+14155550100", "+14155550101", "+447400123123"] {
                ids.append(try #require(try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": to, "text": "hi"]).json["id"] as? String))
            }
            for id in ids { _ = try await api.waitForFinal(id) }
            let browser = Browser(base: api.baseURL)
            _ = try await browser.signIn(api.key)
            let byConnector = try await browser.get("/analytics")
            #expect(byConnector.status == 200)
            // +1 415 555 0101 is the simulator's UNDELIVERED / ILLEGAL_NUMBER.
            #expect(byConnector.html.contains("<th scope=\"row\">simulator</th><td>3</td><td>66.7 %</td><td>1</td><td>ILLEGAL_NUMBER 1</td>"))
            #expect(byConnector.html.contains("<strong>3</strong> messages ended"))
            let byCountry = try await browser.get("/analytics?by=country&period=7d")
            #expect(byCountry.html.contains("<th scope=\"row\">US</th><td>2</td>"))
            #expect(byCountry.html.contains("<th scope=\"row\">GB</th><td>1</td>"))
            // Another account's figures are its own.
            let other = Browser(base: api.baseURL)
            _ = try await other.signIn(api.otherKey)
            #expect(try await other.get("/analytics").html.contains("No message ended in this period."))
            // An operator sees every account's.
            let ops = Browser(base: api.baseURL)
            _ = try await ops.signIn(api.operatorKey)
            #expect(try await ops.get("/analytics").html.contains("every account: <strong>3</strong>"))
        }
    }
}

@Suite("Dashboard: campaign upload", .serialized)
struct DashboardUploadTests {
    @Test("a campaign made from a CSV file through the page's form: stored through the API's rules; mistakes are shown on the page")
    func upload() async throws {
        try await APIHarness.run { api in
            _ = try await api.request("POST", "/v1/templates", json: ["name": "promo", "channel": "sms", "body": "Hi {{name}}"])
            let browser = Browser(base: api.baseURL)
            _ = try await browser.signIn(api.key)
            let page = try await browser.get("/campaigns")
            #expect(page.html.contains("<option value=\"promo\">promo</option>"))
            let csrf = try #require(Browser.csrf(page.html))
            let csv = "phone,name\n+14155552000,Ann\n+14155552001,Bob\n,Nobody\n"
            let forged = try await browser.postMultipart("/campaigns", fields: ["csrf": "forged", "template": "promo"], file: ("csv", csv))
            #expect(forged.status == 403)
            let unknown = try await browser.postMultipart("/campaigns", fields: ["csrf": csrf, "template": "nope"], file: ("csv", csv))
            #expect(unknown.status == 422)
            #expect(unknown.html.contains("template: template &#39;nope&#39; does not exist") || unknown.html.contains("template: template 'nope' does not exist"))
            let made = try await browser.postMultipart("/campaigns", fields: ["csrf": csrf, "template": "promo", "name": "autumn", "paused": "1"], file: ("csv", csv))
            #expect(made.status == 303)
            let id = try #require(made.location?.split(separator: "/").last.map(String.init))
            let shown = try await api.request("GET", "/v1/campaigns/\(id)")
            #expect(shown.json["name"] as? String == "autumn")
            #expect(shown.json["state"] as? String == "paused")
            let counts = try #require(shown.json["counts"] as? [String: Any])
            #expect(counts["total"] as? Int == 2)
            #expect(counts["invalid_rows"] as? Int == 1)
        }
    }
}
