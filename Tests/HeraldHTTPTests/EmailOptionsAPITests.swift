import Foundation
import Testing

@Suite("HTTP API: e-mail headers and attachments", .serialized)
struct EmailOptionsAPITests {
    @Test("attachments and headers are accepted, shown by name, type and size; too large is 413 naming attachments; a typo is a 422 naming it")
    func attachments() async throws {
        try await APIHarness.run { api in
            let sent = try await api.request("POST", "/v1/messages", json: [
                "channel": "email", "to": "ann@example.com", "subject": "Invoice", "text": "Attached.",
                "headers": ["X-Campaign": "winter"],
                "attachments": [["filename": "invoice.pdf", "content_type": "application/pdf", "content": "JVBERi0xLjQK"]],
            ])
            #expect(sent.status == 201 || sent.status == 202)
            let id = try #require(sent.json["id"] as? String)
            let shown = try await api.request("GET", "/v1/messages/\(id)")
            #expect((shown.json["headers"] as? [String: String]) == ["X-Campaign": "winter"])
            let attachment = try #require((shown.json["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["filename"] as? String == "invoice.pdf")
            #expect(attachment["content_type"] as? String == "application/pdf")
            #expect(attachment["size"] as? Int == 9)
            #expect(attachment["content"] == nil)

            let big = String(repeating: "AAAA", count: 5 * 1024 * 1024 / 3 + 10)
            let tooLarge = try await api.request("POST", "/v1/messages", json: [
                "channel": "email", "to": "ann@example.com", "subject": "Big", "text": "x",
                "attachments": [["filename": "big.bin", "content": big]],
            ])
            #expect(tooLarge.status == 413)
            #expect(tooLarge.json["field"] as? String == "attachments")

            let typo = try await api.request("POST", "/v1/messages", json: [
                "channel": "email", "to": "ann@example.com", "subject": "x", "text": "x",
                "attachments": [["file_name": "a.txt", "content": "YQ=="]],
            ])
            #expect(typo.status == 422)
            #expect(typo.json["field"] as? String == "attachments[0].file_name")

            let forbidden = try await api.request("POST", "/v1/messages", json: [
                "channel": "email", "to": "ann@example.com", "subject": "x", "text": "x", "headers": ["Bcc": "spy@evil.test"],
            ])
            #expect(forbidden.status == 422)
            #expect(forbidden.json["field"] as? String == "headers.Bcc")
        }
    }
}

extension EmailOptionsAPITests {
    @Test("an e-mail template renders subject, text and HTML per recipient; HTML variables are escaped, text ones are not; html is for e-mail")
    func htmlTemplates() async throws {
        try await APIHarness.run { api in
            let created = try await api.request("POST", "/v1/templates", json: [
                "name": "welcome", "channel": "email", "subject": "Welcome {{name}}", "body": "Hi {{name}}", "html": "<p>Hi <b>{{name}}</b>, {{plan}}</p>",
            ])
            #expect(created.status == 201)
            #expect(created.json["html"] as? String == "<p>Hi <b>{{name}}</b>, {{plan}}</p>")
            #expect(created.json["variables"] as? [String] == ["name", "plan"])
            let sent = try await api.request("POST", "/v1/messages", json: [
                "channel": "email", "to": "ann@example.com", "template": "welcome", "variables": ["name": "Ann <3", "plan": "Pro"],
            ])
            let id = try #require(sent.json["id"] as? String)
            let shown = try await api.request("GET", "/v1/messages/\(id)")
            #expect(shown.json["subject"] as? String == "Welcome Ann <3")
            #expect(shown.json["text"] as? String == "Hi Ann <3")
            #expect(shown.json["html"] as? String == "<p>Hi <b>Ann &lt;3</b>, Pro</p>")
            let sms = try await api.request("POST", "/v1/templates", json: ["name": "otp", "channel": "sms", "body": "Code {{code}}", "html": "<p>x</p>"])
            #expect(sms.status == 422)
            #expect(sms.json["field"] as? String == "html")
        }
    }
}

extension EmailOptionsAPITests {
    @Test("the account's track_opens / track_clicks apply to e-mails that do not say; a message's own choice wins")
    func accountTracking() async throws {
        try await APIHarness.run { api in
            let patched = try await api.request("PATCH", "/v1/account", json: ["track_opens": true, "track_clicks": true])
            #expect(patched.status == 200)
            let plain = try await api.request("POST", "/v1/messages", json: ["channel": "email", "to": "ann@example.com", "subject": "x", "text": "x"])
            let shown = try await api.request("GET", "/v1/messages/\(try #require(plain.json["id"] as? String))")
            #expect(shown.json["track_opens"] as? Bool == true)
            #expect(shown.json["track_clicks"] as? Bool == true)
            let own = try await api.request("POST", "/v1/messages", json: ["channel": "email", "to": "ann@example.com", "subject": "x", "text": "x",
                                                                             "track_clicks": false])
            let ownShown = try await api.request("GET", "/v1/messages/\(try #require(own.json["id"] as? String))")
            #expect(ownShown.json["track_clicks"] as? Bool == false)
            let sms = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "text": "x"])
            let smsShown = try await api.request("GET", "/v1/messages/\(try #require(sms.json["id"] as? String))")
            #expect(smsShown.json["track_opens"] == nil)
        }
    }
}
