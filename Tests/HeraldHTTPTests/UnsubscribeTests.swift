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
