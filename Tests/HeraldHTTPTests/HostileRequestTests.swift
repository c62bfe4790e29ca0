import Foundation
import HeraldCore
@testable import HeraldHTTP
@testable import HeraldWebhooks
import HeraldStore
import Testing

/// Requests that once crashed the server, filled its disk, cut a text short or looked like success.
@Suite("Hostile requests")
struct HostileRequestTests {
    static var sms: [String: Any] { ["channel": "sms", "to": "+14155550100", "text": "hello"] }

    @Test("a body over the operator's limit is a 413 naming the limit and the option that sets it, before it is read; nothing is stored")
    func bodyLimits() async throws {
        try await APIHarness.run(limits: RequestLimits(requestBytes: 64 << 10, uploadBytes: 64 << 10)) { api in
            var long = Self.sms
            long["text"] = String(repeating: "x", count: 150)
            let batch = ["messages": Array(repeating: long, count: 1_000)]  // about 200 KB
            let large = try await api.request("POST", "/v1/messages/batch", json: batch)
            #expect(large.status == 413)
            #expect(large.contentType.hasPrefix("application/problem+json"))
            #expect((large.json["type"] as? String)?.hasSuffix("body-too-large") == true)
            #expect((large.json["detail"] as? String)?.contains("at most 65536 bytes") == true, "\(large.json)")
            #expect((large.json["fix"] as? String)?.contains("--max-request-bytes") == true)
            let csv = String(repeating: "+14155550100\n", count: 6_000)
            let upload = try await api.request("POST", "/v1/dnd", headers: ["Content-Type": "text/csv"], body: csv)
            #expect(upload.status == 413)
            #expect((upload.json["fix"] as? String)?.contains("--max-upload-bytes") == true)
            #expect(try await api.request("GET", "/v1/stats").json["total"] as? Int == 0, "nothing stored")
            let small = try await api.request("POST", "/v1/messages/batch", json: ["messages": Array(repeating: Self.sms, count: 10)])
            #expect(small.status == 202 || small.status == 200, "a batch under the limit is taken: \(small.status)")
        }
    }

    @Test("a NUL character is a 422 naming the field on every backend, never a 500 or a text cut short")
    func nul() async throws {
        try await APIHarness.run { api in
            var body = Self.sms
            body["text"] = "one\u{0}two"
            let text = try await api.request("POST", "/v1/messages", json: body)
            #expect(text.status == 422)
            #expect(text.contentType.hasPrefix("application/problem+json"))
            #expect(text.json["field"] as? String == "text")
            var tagged = Self.sms
            tagged["tag"] = "a\u{0}b"
            let batch = try await api.request("POST", "/v1/messages/batch", json: ["messages": [Self.sms, tagged]])
            #expect(batch.status == 422)
            #expect(batch.json["field"] as? String == "messages[1].tag")
            let webhook = try await api.request("POST", "/v1/webhooks", json: ["url": "https://example.com/\u{0}"])
            #expect(webhook.json["field"] as? String == "url")
            #expect(try await api.request("GET", "/v1/stats").json["total"] as? Int == 0, "nothing half-written")
        }
    }

    @Test("over-long fields are 422s naming the field and the limit", arguments: [
        ("from", String(repeating: "A", count: 65)), ("to", String(repeating: "1", count: 400)),
        ("callback_url", "https://example.com/" + String(repeating: "a", count: 100_000)), ("tag", String(repeating: "t", count: 129)),
    ])
    func lengths(field: String, value: String) async throws {
        try await APIHarness.run { api in
            var body = Self.sms
            body[field] = value
            let reply = try await api.request("POST", "/v1/messages", json: body)
            #expect(reply.status == 422)
            #expect(reply.json["field"] as? String == field)
            #expect((reply.json["fix"] as? String)?.contains("at most") == true)
        }
    }

    @Test("a 1 MB webhook URL and a 300-character Idempotency-Key are refused")
    func hugeValues() async throws {
        try await APIHarness.run { api in
            let webhook = try await api.request("POST", "/v1/webhooks", json: ["url": "https://example.com/" + String(repeating: "a", count: 1_000_000)])
            #expect(webhook.status == 422)
            #expect(webhook.json["field"] as? String == "url")
            let keyed = try await api.request("POST", "/v1/messages", json: Self.sms, headers: ["Idempotency-Key": String(repeating: "k", count: 300)])
            #expect(keyed.status == 422)
            #expect(keyed.json["field"] as? String == "Idempotency-Key")
        }
    }

    @Test("templates nested 5,000 deep or with 40,000 tags are refused with the limit, not parsed")
    func templateLimits() async throws {
        try await APIHarness.run { api in
            let nested = String(repeating: "{{#a}}", count: 5000) + "x" + String(repeating: "{{/a}}", count: 5000)
            let deep = try await api.request("POST", "/v1/templates", json: ["name": "deep", "body": nested])
            #expect(deep.status == 422)
            #expect(deep.json["field"] as? String == "body")
            #expect((deep.json["detail"] as? String)?.contains("nested more than 20") == true)
            let flat = try await api.request("POST", "/v1/templates", json: ["name": "flat", "body": String(repeating: "{{a}}", count: 40_000)])
            #expect(flat.status == 422)
            #expect((flat.json["detail"] as? String)?.contains("longer than 100000 characters") == true)
            let many = try await api.request("POST", "/v1/templates", json: ["name": "many", "body": String(repeating: "{{a}}", count: 3_000)])
            #expect(many.status == 422)
            #expect((many.json["detail"] as? String)?.contains("more than 2000") == true)
            #expect(many.json["fix"] as? String == "use at most 2000 tags")
            let fine = try await api.request("POST", "/v1/templates", json: ["name": "fine", "body": "Hi {{#vip}}dear {{/vip}}{{name}}"])
            #expect(fine.status == 201)
        }
    }

    @Test("one letter with 5,000 combining marks counts its octets: too many segments, a 422, not one wrapped segment")
    func combining() async throws {
        try await APIHarness.run { api in
            var body = Self.sms
            body["text"] = "e" + String(repeating: "\u{0301}", count: 5000)
            let reply = try await api.request("POST", "/v1/messages", json: body)
            #expect(reply.status == 422)
            #expect(reply.json["field"] as? String == "text")
            #expect((reply.json["detail"] as? String)?.contains("75 SMS segments") == true)
        }
    }

    @Test("unknown routes are problem+json 404s, a known path with another method a 405 with Allow")
    func routes() async throws {
        try await APIHarness.run { api in
            let missing = try await api.request("GET", "/v1/nothing-here")
            #expect(missing.status == 404)
            #expect(missing.contentType.hasPrefix("application/problem+json"))
            let method = try await api.request("DELETE", "/v1/messages/msg_123")
            #expect(method.status == 405)
            #expect(method.contentType.hasPrefix("application/problem+json"))
            #expect((method.headers["Allow"] ?? method.headers["allow"])?.contains("GET") == true)
        }
    }

    @Test("unmatched receipts belong to no account: an account key gets 403, an operator key reads them with why they were parked")
    func unmatchedIsolation() async throws {
        try await APIHarness.run { api in
            let receipt = ProviderReceipt(connector: "carrier", providerMessageID: "77", kind: .status(.delivered), occurredAt: Date(), receivedAt: Date(),
                                          detail: ProviderDetail(status: "DELIVRD", text: "id:77 stat:DELIVRD text:Your code is 123456"))
            _ = try await api.store.ingest([receipt])
            let account = try await api.request("GET", "/v1/receipts/unmatched")
            #expect(account.status == 403)
            #expect(account.json["fix"] as? String == "use a key made with: herald keys create --account NAME --role operator")
            let operatorReply = try await api.request("GET", "/v1/receipts/unmatched", key: .some(api.operatorKey))
            #expect(operatorReply.status == 200)
            let items = try #require(operatorReply.json["data"] as? [[String: Any]])
            #expect(items.first?["provider_message_id"] as? String == "77")
            #expect((items.first?["parked"] as? String)?.contains("no submission") == true)
        }
    }

    @Test("CSV exports escape cells a spreadsheet would run as formulas; phone numbers stay as they are")
    func formulaInjection() async throws {
        try await APIHarness.run { api in
            var body = Self.sms
            body["tag"] = "=HYPERLINK(\"http://evil\")"
            body["from"] = "@SUM(A1)"
            _ = try await api.request("POST", "/v1/messages", json: body)
            let csv = try await api.curl(["-s", "\(api.baseURL.absoluteString)/v1/messages/export?format=csv"])
            #expect(csv.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""))
            #expect(csv.contains(",'@SUM(A1),"))
            #expect(csv.contains(",+14155550100,"))
        }
    }
}

@Suite("Strict request bodies")
struct StrictBodyTests {
    @Test("an unknown field is a 422 naming it, with the field it probably meant; nothing is stored")
    func unknownFields() async throws {
        try await APIHarness.run { api in
            let typo = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "text": "hi", "sendAt": "2030-01-01T00:00:00Z"])
            #expect(typo.status == 422)
            #expect(typo.json["field"] as? String == "sendAt")
            #expect((typo.json["fix"] as? String)?.hasPrefix("did you mean send_at?") == true)
            // A field Herald does not have (yet) is never dropped silently.
            let cc = try await api.request("POST", "/v1/messages", json: ["channel": "email", "to": "ann@example.com", "subject": "Hi", "text": "hello", "cc": "bob@example.com"])
            #expect(cc.status == 422)
            #expect(cc.json["field"] as? String == "cc")
            let batch = try await api.request("POST", "/v1/messages/batch", json: ["messages": [["channel": "sms", "to": "+14155550100", "text": "a"],
                                                                                              ["channel": "sms", "to": "+14155550100", "text": "b", "tagg": "x"]]])
            #expect(batch.status == 422)
            #expect(batch.json["field"] as? String == "messages[1].tagg")
            #expect((batch.json["fix"] as? String)?.hasPrefix("did you mean tag?") == true)
            let webhook = try await api.request("POST", "/v1/webhooks", json: ["url": "https://example.com/h", "event": ["DELIVERED"]])
            #expect(webhook.json["field"] as? String == "event")
            #expect(try await api.request("GET", "/v1/stats").json["total"] as? Int == 0)
            // Template variables are the client's own names.
            _ = try await api.request("POST", "/v1/templates", json: ["name": "otp", "body": "Code {{code}}"])
            let variables = try await api.request("POST", "/v1/messages", json: ["to": "+14155550100", "channel": "sms", "template": "otp",
                                                                                 "variables": ["code": "1", "anything_else": "x"]])
            #expect(variables.status == 202)
        }
    }

    @Test("closest field: another case or separator first, else at most two edits")
    func closest() {
        #expect(StrictBodyCheck.closest(to: "sendAt", among: ["send_at", "tag"]) == "send_at")
        #expect(StrictBodyCheck.closest(to: "CALLBACK-URL", among: ["callback_url", "channel"]) == "callback_url")
        #expect(StrictBodyCheck.closest(to: "chanel", among: ["channel", "to"]) == "channel")
        #expect(StrictBodyCheck.closest(to: "html", among: ["text", "to", "subject"]) == nil)
    }
}

@Suite("Callback addresses refused at creation")
struct CallbackAddressTests {
    @Test("a webhook or callback_url at a private or loopback address is a 422 when the server does not allow them")
    func refused() async throws {
        try await APIHarness.run { api in
            for url in ["http://127.0.0.1:9000/hook", "https://localhost/hook", "http://[::ffff:10.0.0.1]/h", "http://169.254.169.254/latest",
                        "https://user@192.168.1.10:8443/h"] {
                let reply = try await api.request("POST", "/v1/webhooks", json: ["url": url])
                #expect(reply.status == 422, "\(url)")
                #expect(reply.json["field"] as? String == "url")
                #expect((reply.json["fix"] as? String)?.contains("--webhooks-allow-private") == true)
            }
            let send = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "text": "hi",
                                                                            "callback_url": "http://10.1.2.3/cb"])
            #expect(send.status == 422)
            #expect(send.json["field"] as? String == "callback_url")
            #expect(try await api.request("POST", "/v1/webhooks", json: ["url": "https://example.com/herald"]).status == 201)
        }
    }

    @Test("the host is read from every URL form")
    func hosts() {
        #expect(AddressPolicy.host(of: "https://a:b@Example.com:8443/x?y#z") == "Example.com")
        #expect(AddressPolicy.host(of: "http://[fe80::1]:80/") == "fe80::1")
        #expect(AddressPolicy(allowPrivate: true).refusal(ofURL: "http://127.0.0.1/") == nil)
        #expect(AddressPolicy(allowPrivate: false).refusal(ofURL: "http://printer.localhost./") != nil)
    }
}

@Suite("E-mail recipients")
struct EmailRecipientTests {
    @Test("an invalid e-mail address is stored REJECTED / INVALID_ADDRESS, not INVALID_NUMBER")
    func invalidAddress() async throws {
        try await APIHarness.run { api in
            let reply = try await api.request("POST", "/v1/messages", json: ["channel": "email", "to": "ann@localhost", "subject": "Hi", "text": "hello"])
            #expect(reply.status == 202)
            #expect(reply.json["status"] as? String == "REJECTED")
            #expect((reply.json["reason"] as? [String: Any])?["code"] as? String == "INVALID_ADDRESS")
            #expect((reply.json["reason"] as? [String: Any])?["meaning"] as? String == "recipient is not a valid e-mail address")
        }
    }
}
