import Foundation
import HeraldCore
import HeraldHTTP
import Testing

@Suite("HTTP API: account settings, templates, DND", .serialized)
struct AccountAPITests {
    @Test("GET and PATCH /v1/account; a bad setting is a problem naming the field; the new default country applies at once")
    func account() async throws {
        try await APIHarness.run { api in
            let shown = try await api.request("GET", "/v1/account")
            #expect(shown.status == 200)
            #expect(shown.json["name"] as? String != nil)
            #expect(shown.json["balance"] is NSNull)

            let bad = try await api.request("PATCH", "/v1/account", json: ["default_country": "XX"])
            #expect(bad.status == 422)
            #expect(bad.json["field"] as? String == "default_country")

            let changed = try await api.request("PATCH", "/v1/account", json: ["default_country": "gb", "quiet_hours": ["start": "21:00", "end": "08:00"]])
            #expect(changed.status == 200)
            let settings = try #require(changed.json["settings"] as? [String: Any])
            #expect(settings["default_country"] as? String == "GB")
            #expect((settings["quiet_hours"] as? [String: Any])?["start"] as? String == "21:00")

            let sent = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "07400 123456", "text": "hi"])
            #expect(sent.status == 202)
            #expect(sent.json["to"] as? String == "+447400123456")

            let cleared = try await api.request("PATCH", "/v1/account", json: ["default_country": NSNull()])
            #expect((cleared.json["settings"] as? [String: Any])?["default_country"] == nil)
            #expect(((cleared.json["settings"] as? [String: Any])?["quiet_hours"] as? [String: Any]) != nil)
        }
    }

    @Test("templates: created with their variables, used by a send, a syntax error refused at creation")
    func templates() async throws {
        try await APIHarness.run { api in
            let created = try await api.request("POST", "/v1/templates", json: ["name": "otp", "channel": "sms", "body": "Hi {{name}}, code {{code}}"])
            #expect(created.status == 201)
            #expect(created.json["variables"] as? [String] == ["name", "code"])
            let broken = try await api.request("POST", "/v1/templates", json: ["name": "bad", "body": "Hi {{#name}}"])
            #expect(broken.status == 422)
            #expect(broken.json["field"] as? String == "body")

            let sent = try await api.request("POST", "/v1/messages", json: ["to": "+14155550100", "template": "otp", "variables": ["name": "Ann", "code": 123456]])
            #expect(sent.status == 202)
            #expect(sent.json["text"] as? String == "Hi Ann, code 123456")
            let missing = try await api.request("POST", "/v1/messages", json: ["to": "+14155550100", "template": "otp", "variables": ["name": "Ann"]])
            #expect(missing.status == 202)
            #expect(missing.json["status"] as? String == "REJECTED")
            #expect((missing.json["reason"] as? [String: Any])?["code"] as? String == "TEMPLATE_ERROR")
            let both = try await api.request("POST", "/v1/messages", json: ["to": "+14155550100", "template": "otp", "text": "x"])
            #expect(both.status == 422)

            let preview = try await api.request("POST", "/v1/messages/preview", json: ["to": "+447400123456", "template": "otp",
                                                                                         "variables": ["name": "Bo", "code": "1"]])
            #expect(preview.json["text"] as? String == "Hi Bo, code 1")
            #expect((preview.json["number"] as? [String: Any])?["country"] as? String == "GB")
            #expect((preview.json["number"] as? [String: Any])?["type"] as? String == "mobile")

            #expect(try await api.request("GET", "/v1/templates").json["data"].map { ($0 as? [Any])?.count } == 1)
            #expect(try await api.request("DELETE", "/v1/templates/otp").status == 204)
            #expect(try await api.request("GET", "/v1/templates/otp").status == 404)
        }
    }

    @Test("DND import from CSV lists bad lines; a promotional send to a listed number is DND, a transactional one is queued")
    func dnd() async throws {
        try await APIHarness.run { api in
            let csv = "phone,name\n+1 415 555 0101,Ann\nnot a number,Bob\n+14155550102,Cy\n"
            let imported = try await api.request("POST", "/v1/dnd", raw: csv, headers: ["Content-Type": "text/csv"])
            #expect(imported.status == 200)
            #expect(imported.json["added"] as? Int == 2)
            let invalid = try #require(imported.json["invalid"] as? [[String: Any]])
            #expect(invalid.count == 1)
            #expect(invalid.first?["line"] as? Int == 3)

            let promo = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550101", "text": "Sale", "category": "promotional"])
            #expect(promo.json["status"] as? String == "DND")
            let otp = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550101", "text": "Code 1"])
            #expect(otp.json["status"] as? String == "QUEUED")
            let badCategory = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550101", "text": "x", "category": "keyword_reply"])
            #expect(badCategory.status == 422)
            #expect(badCategory.json["field"] as? String == "category")

            #expect(try await api.request("DELETE", "/v1/dnd?recipient=%2B14155550101").status == 204)
            #expect(try await api.request("DELETE", "/v1/dnd?recipient=%2B14155550101").status == 404)
        }
    }
}

@Suite("HTTP API: event feed", .serialized)
struct EventFeedAPITests {
    @Test("GET /v1/events pages by cursor; the SSE stream resumes after Last-Event-ID; a bad cursor names the field")
    func feed() async throws {
        try await APIHarness.run { api in
            for index in 0..<3 {
                #expect(try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+1415555010\(index)", "text": "hi \(index)"]).status == 202)
            }
            let first = try await api.request("GET", "/v1/events?limit=2")
            #expect(first.status == 200)
            let data = try #require(first.json["data"] as? [[String: Any]])
            #expect(data.count == 2)
            #expect(data[0]["type"] as? String == "message.status")
            #expect(data[0]["event"] as? String == "QUEUED")
            #expect(data[0]["canonical_status"] as? String == "QUEUED")
            let next = try #require(first.json["next_cursor"] as? String)
            #expect(next == data[1]["cursor"] as? String)
            let rest = try await api.request("GET", "/v1/events?cursor=\(next)&limit=100")
            let restData = try #require(rest.json["data"] as? [[String: Any]])
            #expect(!restData.isEmpty)
            #expect(Set(restData.compactMap { $0["id"] as? String }).isDisjoint(with: data.compactMap { $0["id"] as? String }))

            let bad = try await api.request("GET", "/v1/events?after=yesterday")
            #expect(bad.status == 400)
            #expect(bad.json["field"] as? String == "after")

            let smsto = try await api.request("GET", "/v1/events?limit=1&vocabulary=smsto")
            #expect(((smsto.json["data"] as? [[String: Any]])?.first?["status"] as? String)?.isEmpty == false)

            // The stream, resumed after the first event: everything after it, nothing before.
            let firstCursor = try #require(data[0]["cursor"] as? String)
            let stream = try await api.curl(["-N", "-s", "--max-time", "5", "-H", "Last-Event-ID: \(firstCursor)", "\(api.baseURL)/v1/events/stream"])
            #expect(stream.contains("retry: 2000"))
            #expect(!stream.contains("id: \(firstCursor)\n"))
            #expect(stream.contains("id: \(next)\n"))
            // Without a position the stream is live (history only when asked with replay=true).
            let live = try await api.curl(["-N", "-s", "--max-time", "5", "\(api.baseURL)/v1/events/stream"])
            #expect(live.contains("retry: 2000"))
            #expect(!live.contains("id: \(firstCursor)\n"))
            let replay = try await api.curl(["-N", "-s", "--max-time", "5", "\(api.baseURL)/v1/events/stream?replay=true"])
            #expect(replay.contains("id: \(firstCursor)\n"))
            #expect(stream.contains("event: QUEUED\ndata: {"))
        }
    }
}

@Suite("HTTP API: webhooks", .serialized)
struct WebhookAPITests {
    @Test("a webhook is created with its secret shown once; bad URLs and event types name the field; deliveries of another account's webhook are 404")
    func webhooks() async throws {
        try await APIHarness.run { api in
            let created = try await api.request("POST", "/v1/webhooks", json: ["url": "https://example.com/herald", "events": ["delivered", "UNDELIVERED"]])
            #expect(created.status == 201)
            let id = try #require(created.json["id"] as? String)
            #expect((created.json["secret"] as? String)?.hasPrefix("whsec_") == true)
            #expect(created.json["events"] as? [String] == ["DELIVERED", "UNDELIVERED"])
            let listed = try await api.request("GET", "/v1/webhooks")
            let first = try #require((listed.json["data"] as? [[String: Any]])?.first)
            #expect(first["secret"] == nil)
            #expect(try await api.request("POST", "/v1/webhooks", json: ["url": "ftp://example.com"]).json["field"] as? String == "url")
            #expect(try await api.request("POST", "/v1/webhooks", json: ["url": "https://example.com", "events": ["BOUNCED"]]).json["field"] as? String == "events")
            let deliveries = try await api.request("GET", "/v1/webhooks/\(id)/deliveries")
            #expect(deliveries.status == 200)
            #expect(try await api.request("GET", "/v1/webhooks/\(id)/deliveries", key: .some(api.otherKey)).status == 404)
            #expect((try await api.request("GET", "/v1/account").json["callback_secret"] as? String)?.hasPrefix("whsec_") == true)
            #expect(try await api.request("DELETE", "/v1/webhooks/\(id)").status == 204)
            #expect(try await api.request("DELETE", "/v1/webhooks/\(id)").status == 404)
        }
    }
}

@Suite("HTTP API: exports", .serialized)
struct ExportAPITests {
    @Test("CSV and NDJSON exports stream every matching message with status, reason, provider words, segments and cost")
    func export() async throws {
        try await APIHarness.run { api in
            var ids: [String] = []
            for (index, to) in ["+14155550100", "+14155550103", "+14155550100"].enumerated() {
                let sent = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": to, "text": "hi \(index)", "tag": "spring, \"2027\""])
                ids.append(try #require(sent.json["id"] as? String))
            }
            for id in ids { _ = try await api.waitForFinal(id) }
            let csv = try await api.request("GET", "/v1/messages/export?format=csv")
            #expect(csv.status == 200)
            #expect(csv.contentType.hasPrefix("text/csv"))
            let lines = String(decoding: csv.body, as: UTF8.self).split(separator: "\n")
            #expect(lines.count == 4)
            #expect(lines[0].hasPrefix("id,created_at,updated_at,send_at,expires_at,channel,to,from,tag,status,final,reason_code"))
            #expect(lines[1].contains("\"spring, \"\"2027\"\"\""))
            let undelivered = try #require(lines.first { $0.contains(ids[1]) })
            #expect(undelivered.contains("UNDELIVERED,true,CALL_BARRED"))
            #expect(undelivered.contains("UNDELIV"))

            let ndjson = try await api.request("GET", "/v1/messages/export?format=ndjson&status=DELIVERED&vocabulary=vonage-log")
            let objects = try String(decoding: ndjson.body, as: UTF8.self).split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            #expect(objects.count == 2)
            #expect(objects.allSatisfy { $0["status"] as? String == "Delivered" && $0["provider_status"] as? String == "DELIVRD" && $0["cost"] as? String == "0.0075" })
            #expect(try await api.request("GET", "/v1/messages/export?format=xml").json["field"] as? String == "format")
        }
    }
}
