import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HeraldCore
import HeraldHTTP
import HeraldStore
import Testing

@Suite("Dashboard: log filters, callbacks, routes, lists, templates, settings", .serialized)
struct DashboardAccountPagesTests {
    @Test("the log filters by channel, sender and connector, as GET /v1/messages does; a wrong channel is named")
    func logFilters() async throws {
        try await APIHarness.run { api in
            let acme = try #require(try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "from": "Acme", "text": "a"]).json["id"] as? String)
            let other = try #require(try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550102", "from": "Other", "text": "b"]).json["id"] as? String)
            for id in [acme, other] { _ = try await api.waitForFinal(id) }
            let browser = Browser(base: api.baseURL)
            _ = try await browser.signIn(api.key)
            let rows = { (html: String) in html.components(separatedBy: "<tr data-id=").count - 1 }
            let bySender = try await browser.get("/?from=Acme")
            #expect(rows(bySender.html) == 1)
            #expect(bySender.html.contains(acme))
            #expect(rows(try await browser.get("/?connector=simulator").html) == 2, "both went to the simulator")
            #expect(rows(try await browser.get("/?connector=simulato").html) == 0, "a connector's name is matched whole")
            #expect(rows(try await browser.get("/?channel=email").html) == 0)
            let wrong = try await browser.get("/?channel=fax")
            #expect(wrong.status == 400)
            #expect(wrong.html.contains("&#39;fax&#39; is not a channel") || wrong.html.contains("'fax' is not a channel"))
            #expect(bySender.html.contains("export.csv?format=csv&amp;from=Acme"), "the export takes the same view")

            let listed = try await api.request("GET", "/v1/messages?channel=sms&from=Other&connector=simulator")
            #expect((listed.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [other])
            let refused = try await api.request("GET", "/v1/messages?channel=fax")
            #expect(refused.status == 400)
            #expect(refused.json["field"] as? String == "channel")
        }
    }

    @Test("one message's page lists the callbacks owed for its events, each with its attempts")
    func messageCallbacks() async throws {
        try await APIHarness.run { api in
            _ = try await api.request("POST", "/v1/webhooks", json: ["url": "https://hooks.example/herald"])
            let id = try #require(try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "text": "hi",
                                                                                       "callback_url": "https://own.example/cb"]).json["id"] as? String)
            _ = try await api.waitForFinal(id)
            // One attempt of one delivery, recorded as the webhook sender records it.
            let claimed = try await api.store.claimDeliveries(limit: 100, now: Date(), leaseUntil: Date().addingTimeInterval(30))
            let first = try #require(claimed.first { $0.messageID == id && $0.webhookID != nil })
            try await api.store.recordDeliveryAttempts([DeliveryAttempt(deliveryID: first.id, at: Date(), statusCode: 500, latencyMs: 12, error: nil,
                                                                        state: .pending, nextAttemptAt: Date().addingTimeInterval(60))])
            let browser = Browser(base: api.baseURL)
            _ = try await browser.signIn(api.key)
            let page = try await browser.get("/messages/\(id)")
            #expect(page.html.contains("<code>https://hooks.example/herald</code>"))
            #expect(page.html.contains("<code>https://own.example/cb</code>"), "the message's own callback URL too")
            #expect(page.html.contains("HTTP 500 in 12 ms"))
            #expect(page.html.contains("<td>DELIVERED</td><td><code>https://hooks.example/herald</code>"))
            // Another message's page does not show these.
            let second = try #require(try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "text": "2"]).json["id"] as? String)
            #expect(!(try await browser.get("/messages/\(second)").html.contains("own.example")))
        }
    }

    @Test("analytics by route names the routing rule each message took")
    func analyticsByRoute() async throws {
        try await APIHarness.run { api in
            for to in ["+14155550100", "+447400123123"] {
                let id = try #require(try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": to, "text": "hi"]).json["id"] as? String)
                _ = try await api.waitForFinal(id)
            }
            let browser = Browser(base: api.baseURL)
            _ = try await browser.signIn(api.key)
            let page = try await browser.get("/analytics?by=route")
            #expect(page.html.contains("<th scope=\"row\">sms +1 → simulator</th><td>1</td>"))
            #expect(page.html.contains("<th scope=\"row\">simulator (no route: the channel&#39;s first connector)</th><td>1</td>")
                    || page.html.contains("<th scope=\"row\">simulator (no route: the channel's first connector)</th><td>1</td>"))
        }
    }

    @Test("opt-outs, the DND list and templates are managed from their pages through the API's rules")
    func listsAndTemplates() async throws {
        try await APIHarness.run { api in
            let browser = Browser(base: api.baseURL)
            _ = try await browser.signIn(api.key)
            let lists = try await browser.get("/lists")
            #expect(lists.status == 200)
            let csrf = try #require(Browser.csrf(lists.html))
            #expect(try await browser.post("/suppressions", form: ["csrf": "forged", "channel": "sms", "recipient": "+14155550177"]).status == 403)
            #expect(try await browser.post("/suppressions", form: ["csrf": csrf, "channel": "sms", "recipient": "+14155550177"]).status == 303)
            let bad = try await browser.post("/suppressions", form: ["csrf": csrf, "channel": "sms", "recipient": "nobody"])
            #expect(bad.status == 422)
            #expect(bad.html.contains("recipient"))
            #expect(bad.html.contains("href=\"/lists\""))
            let suppressed = try await api.request("GET", "/v1/suppressions")
            #expect((suppressed.json["data"] as? [[String: Any]])?.compactMap { $0["recipient"] as? String } == ["+14155550177"])
            let sent = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550177", "text": "x"])
            #expect(sent.json["status"] as? String == "UNSUBSCRIBED")
            #expect(try await browser.get("/lists").html.contains("<td>+14155550177</td>"))
            #expect(try await browser.post("/suppressions/remove", form: ["csrf": csrf, "channel": "sms", "recipient": "+14155550177"]).status == 303)
            #expect((try await api.request("GET", "/v1/suppressions").json["data"] as? [[String: Any]])?.isEmpty == true)

            #expect(try await browser.post("/dnd", form: ["csrf": csrf, "numbers": "+447400123456\n+447400123457\n"]).status == 303)
            let dnd = try await browser.get("/lists")
            #expect(dnd.html.contains("<td>+447400123456</td>") && dnd.html.contains("<td>+447400123457</td>"))
            #expect(try await browser.post("/dnd/remove", form: ["csrf": csrf, "recipient": "+447400123456"]).status == 303)
            #expect(!(try await browser.get("/lists").html.contains("<td>+447400123456</td>")))

            #expect(try await browser.get("/templates").status == 200)
            #expect(try await browser.post("/templates", form: ["csrf": csrf, "name": "welcome", "channel": "sms", "body": "Hi {{name}} <b>"]).status == 303)
            let template = try await api.request("GET", "/v1/templates/welcome")
            #expect(template.json["body"] as? String == "Hi {{name}} <b>")
            #expect(try await browser.get("/templates").html.contains("Hi {{name}} &lt;b&gt;"))
            let broken = try await browser.post("/templates", form: ["csrf": csrf, "name": "broken", "body": "Hi {{#name}"])
            #expect(broken.status == 422)
            #expect(broken.html.contains("body"))
            #expect(try await browser.post("/templates/welcome/delete", form: ["csrf": csrf]).status == 303)
            #expect(try await api.request("GET", "/v1/templates/welcome").status == 404)

            // A read-only key reads the lists but cannot change them.
            let readKey = try #require(try await api.request("POST", "/v1/keys", json: ["scopes": ["read"]]).json["key"] as? String)
            let reader = Browser(base: api.baseURL)
            _ = try await reader.signIn(readKey)
            let readOnly = try await reader.get("/lists")
            #expect(readOnly.status == 200)
            #expect(!readOnly.html.contains("action=\"/dnd\""))
            #expect(try await reader.post("/dnd", form: ["csrf": Browser.csrf(readOnly.html) ?? "", "numbers": "+447400123458"]).status == 403)
        }
    }

    @Test("the settings page shows the balance and changes settings through PATCH /v1/account's rule")
    func settings() async throws {
        try await APIHarness.run { api in
            let browser = Browser(base: api.baseURL)
            _ = try await browser.signIn(api.key)
            let page = try await browser.get("/settings")
            #expect(page.status == 200)
            #expect(page.html.contains("Postpaid"))
            let csrf = try #require(Browser.csrf(page.html))
            let saved = try await browser.post("/settings", form: ["csrf": csrf, "default_country": "GB", "validity_minutes": "90", "track_opens": "on",
                                                                   "quiet_start": "21:00", "quiet_end": "08:00", "quiet_hours_mode": "block",
                                                                   "redact_after_days": "30"])
            #expect(saved.status == 303)
            let account = try await api.request("GET", "/v1/account").json
            let settings = try #require(account["settings"] as? [String: Any])
            #expect(settings["default_country"] as? String == "GB")
            #expect(settings["validity_minutes"] as? Int == 90)
            #expect(settings["track_opens"] as? Bool == true)
            #expect(settings["quiet_hours_mode"] as? String == "block")
            #expect((settings["quiet_hours"] as? [String: Any])?["start"] as? String == "21:00")
            #expect(settings["redact_after_days"] as? Int == 30)
            let shown = try await browser.get("/settings")
            #expect(shown.html.contains("value=\"GB\"") && shown.html.contains("value=\"90\""))
            let wrong = try await browser.post("/settings", form: ["csrf": csrf, "validity_minutes": "soon"])
            #expect(wrong.status >= 400 && wrong.status < 500)
            #expect(wrong.html.contains("validity_minutes"))
            #expect((try await api.request("GET", "/v1/account").json["settings"] as? [String: Any])?["validity_minutes"] as? Int == 90, "nothing half-written")
            // Emptied fields clear their settings.
            #expect(try await browser.post("/settings", form: ["csrf": csrf]).status == 303)
            let cleared = try #require(try await api.request("GET", "/v1/account").json["settings"] as? [String: Any])
            #expect(cleared["default_country"] == nil || cleared["default_country"] is NSNull)
        }
    }

    @Test("a campaign's report draws its messages delivered over time from the ledger's counters")
    func campaignOverTime() async throws {
        try await APIHarness.run { api in
            _ = try await api.request("POST", "/v1/templates", json: ["name": "promo", "channel": "sms", "body": "Hi {{name}}"])
            let created = try await api.request("POST", "/v1/campaigns", json: ["name": "autumn", "template": "promo"])
            let id = try #require((created.json["campaign"] as? [String: Any])?["id"] as? String)
            let csv = "phone,name\n+14155552000,A\n+14155552001,B\n+14155552002,C\n"
            _ = try await api.request("POST", "/v1/campaigns/\(id)/recipients", raw: csv, headers: ["Content-Type": "text/csv"])
            let deadline = Date().addingTimeInterval(10)
            var progress: [CampaignProgress.Row] = []
            while Date() < deadline {
                progress = try await api.store.campaignProgress(campaignID: id)
                if progress.map(\.count).reduce(0, +) == 3 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(progress.filter { $0.key.status == "DELIVERED" }.map(\.count).reduce(0, +) == 3)
            let browser = Browser(base: api.baseURL)
            _ = try await browser.signIn(api.key)
            let report = try await browser.get("/campaigns/\(id)")
            #expect(report.html.contains("Delivered over time"))
            #expect(report.html.contains("3 delivered in all"))
        }
    }
}

@Suite("Dashboard: connectors", .serialized)
struct DashboardConnectorPageTests {
    @Test("the connectors page shows each connector's circuit breaker; an account key cannot see it")
    func circuits() async throws {
        try await APIHarness.run { api in
            let ops = Browser(base: api.baseURL)
            _ = try await ops.signIn(api.operatorKey)
            let page = try await ops.get("/connectors")
            #expect(page.status == 200)
            #expect(page.html.contains("<th scope=\"col\">Circuit breaker</th>"))
            #expect(page.html.contains("<td>closed</td>"))
            let reply = try await api.request("GET", "/v1/connectors")
            #expect((reply.json["data"] as? [[String: Any]])?.first?["sessions"] as? [Any] != nil, "sessions: [] for a connector without sessions")
        }
    }
}
