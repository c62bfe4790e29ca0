import Foundation
import HeraldLinks
import Testing

@Suite("One-click unsubscribe (RFC 8058) through Herald's signed links", .serialized)
struct UnsubscribeTests {
    @Test("a token names its account and message, only for its purpose; a changed character, another id or garbage is refused")
    func tokens() async throws {
        let links = LinkSigner(publicURL: "https://herald.test/") { account in account == "acct_1" ? "secret-one" : "secret-two" }
        let token = try await links.token(.unsubscribe, accountID: "acct_1", messageID: "msg_1")
        #expect(try await links.url(.unsubscribe, accountID: "acct_1", messageID: "msg_1") == "https://herald.test/t/u/\(token)")
        #expect(await links.verify(.unsubscribe, token: token) == .init(accountID: "acct_1", messageID: "msg_1"))
        var tampered = Array(token)
        tampered[tampered.count - 1] = tampered.last == "A" ? "B" : "A"
        #expect(await links.verify(.unsubscribe, token: String(tampered)) == nil)
        #expect(await links.verify(.unsubscribe, token: token.replacingOccurrences(of: "msg_1", with: "msg_2")) == nil)
        #expect(await links.verify(.unsubscribe, token: token.replacingOccurrences(of: "acct_1", with: "acct_2")) == nil)
        for garbage in ["", "..", "a.b", "a.b.c.d", String(repeating: "x", count: 5000), "acct_1.msg_1.<script>"] {
            #expect(await links.verify(.unsubscribe, token: garbage) == nil)
        }
    }

    @Test("GET shows a button and changes nothing; POST opts the address out; the next e-mail to it is UNSUBSCRIBED; a forged link is a 404 problem")
    func oneClick() async throws {
        try await APIHarness.run { api in
            let sent = try await api.request("POST", "/v1/messages", json: ["channel": "email", "to": "ann@example.com", "subject": "News", "text": "Hello"])
            #expect(sent.status == 201 || sent.status == 202)
            let id = try #require(sent.json["id"] as? String)
            let account = try await api.store.ensureAccount(named: "acme")
            let token = try await api.links.token(.unsubscribe, accountID: account.id, messageID: id)

            let page = try await api.request("GET", "/t/u/\(token)", key: .some(nil))
            #expect(page.status == 200)
            #expect(page.contentType.hasPrefix("text/html"))
            let html = String(decoding: page.body, as: UTF8.self)
            #expect(html.contains("ann@example.com"))
            #expect(html.contains("<form method=\"post\">"))
            #expect(try await api.store.suppressions(accountID: account.id, recipient: "ann@example.com", limit: 5).isEmpty)

            let done = try await api.request("POST", "/t/u/\(token)", key: .some(nil),
                                             headers: ["Content-Type": "application/x-www-form-urlencoded"], body: "List-Unsubscribe=One-Click")
            #expect(done.status == 200)
            let suppressions = try await api.store.suppressions(accountID: account.id, recipient: "ann@example.com", limit: 5)
            #expect(suppressions.first?.source == "unsubscribe:\(id)")
            // Twice is fine (a mail client may retry).
            #expect(try await api.request("POST", "/t/u/\(token)", key: .some(nil), body: "List-Unsubscribe=One-Click").status == 200)

            let next = try await api.request("POST", "/v1/messages", json: ["channel": "email", "to": "ann@example.com", "subject": "News", "text": "Again"])
            #expect(next.json["status"] as? String == "UNSUBSCRIBED")
            #expect((next.json["reason"] as? [String: Any])?["code"] as? String == "OPTED_OUT")

            let forged = try await api.request("POST", "/t/u/\(account.id).\(id).AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", key: .some(nil))
            #expect(forged.status == 404)
            #expect(forged.contentType.hasPrefix("application/problem+json"))
        }
    }
}

@Suite("Open and click tracking through Herald's signed links", .serialized)
struct TrackingTests {
    @Test("the pixel records OPENED once and answers a GIF; a click records CLICKED and redirects only to the signed URL; the status stays")
    func openAndClick() async throws {
        try await APIHarness.run { api in
            let sent = try await api.request("POST", "/v1/messages", json: ["channel": "email", "to": "ann@example.com", "subject": "News", "text": "Hi",
                                                                              "html": "<p>Hi</p>", "track_opens": true, "track_clicks": true])
            let id = try #require(sent.json["id"] as? String)
            let delivered = try await api.waitForFinal(id)
            let status = try #require(delivered["status"] as? String)
            let account = try await api.store.ensureAccount(named: "acme")

            let open = try await api.links.token(.open, accountID: account.id, messageID: id)
            for _ in 0..<2 {
                let pixel = try await api.request("GET", "/t/o/\(open)", key: .some(nil))
                #expect(pixel.status == 200)
                #expect(pixel.contentType == "image/gif")
                #expect(pixel.body.count == 43)
            }
            let target = "https://acme.test/offer?a=1&b=2"
            let click = try await api.links.token(.click, accountID: account.id, messageID: id, payload: target)
            let redirect = try await api.request("GET", "/t/c/\(click)", key: .some(nil), followRedirects: false)
            #expect(redirect.status == 302)
            #expect(redirect.headers["Location"] ?? redirect.headers["location"] == target)

            let shown = try await api.request("GET", "/v1/messages/\(id)")
            #expect(shown.json["status"] as? String == status)
            #expect(Set(shown.json["engagement"] as? [String] ?? []) == ["OPENED", "CLICKED"])
            let timeline = shown.json["timeline"] as? [[String: Any]] ?? []
            // Opened twice: the first open stands, the second is its duplicate.
            #expect(timeline.filter { $0["event"] as? String == "OPENED" }.count == 1)
            #expect(timeline.filter { $0["event"] as? String == "CLICKED" }.count == 1)
            // ...and every open and click is counted, with the first and last time.
            _ = try await api.request("GET", "/t/c/\(click)", key: .some(nil), followRedirects: false)
            _ = try await api.request("GET", "/t/c/\(click)", key: .some(nil), followRedirects: false)
            let counted = try await api.request("GET", "/v1/messages/\(id)")
            let counts = counted.json["engagement_counts"] as? [[String: Any]] ?? []
            #expect(counts.map { $0["engagement"] as? String } == ["OPENED", "CLICKED"])
            #expect(counts.map { $0["count"] as? Int } == [2, 3])
            let opened = try #require(timeline.first { $0["event"] as? String == "OPENED" })
            #expect(counts.first?["first_at"] as? String == opened["occurred_at"] as? String)
            #expect(counts.allSatisfy { ($0["first_at"] as? String ?? "~") <= ($0["last_at"] as? String ?? "") })
            #expect((counted.json["timeline"] as? [[String: Any]] ?? []).filter { $0["event"] as? String == "CLICKED" }.count == 1)
            // The dashboard's message page shows the same counts.
            let browser = Browser(base: api.baseURL)
            _ = try await browser.signIn(api.key)
            let page = try await browser.get("/messages/\(id)")
            #expect(page.html.contains("opened 2×") && page.html.contains("clicked 3×"), "\(page.html.prefix(0))the engagement row")

            // Another URL under the same signature, or a forged one: 404, no redirect.
            let pieces = click.split(separator: ".")
            let swapped = pieces.prefix(3).joined(separator: ".") + ".aHR0cHM6Ly9ldmlsLnRlc3Q"
            #expect(try await api.request("GET", "/t/c/\(swapped)", key: .some(nil), followRedirects: false).status == 404)
            #expect(try await api.request("GET", "/t/o/\(account.id).\(id).AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", key: .some(nil)).status == 404)
        }
    }
}
