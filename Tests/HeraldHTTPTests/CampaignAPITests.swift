import Foundation
import Testing

@Suite("Campaign API")
struct CampaignAPITests {
    @Test("a CSV upload becomes messages through the gates; counts, detail filters and the export agree with the messages")
    func csvCampaign() async throws {
        try await APIHarness.run { api in
            let template = try await api.request("POST", "/v1/templates", json: ["name": "promo", "channel": "sms", "body": "Hi {{name}}, {{offer}}"])
            #expect(template.status == 201 || template.status == 200)
            let created = try await api.request("POST", "/v1/campaigns", json: ["name": "spring", "template": "promo", "from": "Shop", "paused": true])
            #expect(created.status == 201)
            let campaign = try #require(created.json["campaign"] as? [String: Any])
            let id = try #require(campaign["id"] as? String)
            #expect(campaign["state"] as? String == "paused")

            var csv = "phone,name,offer\n"
            for index in 0..<40 { csv += "+1415555\(String(format: "%04d", 1000 + index)),Ann \(index),\"10% off, today\"\n" }
            csv += ",Nobody,x\n"              // no recipient: an invalid row, not a message
            csv += "+1999,Bad,x\n"            // not a number: a REJECTED message
            csv += "+14155551100,NoOffer,\n"  // the template's variable has no value: REJECTED / TEMPLATE_ERROR
            let upload = try await api.request("POST", "/v1/campaigns/\(id)/recipients", raw: csv, headers: ["Content-Type": "text/csv"])
            #expect(upload.status == 200)
            #expect(upload.json["rows"] as? Int == 43)
            #expect(upload.json["messages"] as? Int == 42)
            #expect(upload.json["invalid_rows"] as? Int == 1)
            let problems = try #require(upload.json["problems"] as? [[String: Any]])
            #expect(problems.first?["line"] as? Int == 42)
            #expect(problems.first?["field"] as? String == "to")

            // Paused: nothing goes out.
            try await Task.sleep(for: .milliseconds(300))
            var shown = try await api.request("GET", "/v1/campaigns/\(id)")
            var counts = try #require(shown.json["counts"] as? [String: Any])
            #expect((counts["by_status"] as? [String: Int])?["QUEUED"] == 40)
            #expect((counts["by_status"] as? [String: Int])?["REJECTED"] == 2)
            #expect(counts["invalid_rows"] as? Int == 1)

            let resumed = try await api.request("POST", "/v1/campaigns/\(id)/resume")
            #expect(resumed.json["changed_messages"] as? Int == 40)
            #expect(resumed.json["state"] as? String == "running")
            for _ in 0..<200 {
                shown = try await api.request("GET", "/v1/campaigns/\(id)")
                if shown.json["complete"] as? Bool == true { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(shown.json["complete"] as? Bool == true)
            counts = try #require(shown.json["counts"] as? [String: Any])
            #expect(counts["total"] as? Int == 42)
            #expect(counts["delivered"] as? Int == 40)
            #expect((counts["by_status"] as? [String: Int]) == ["DELIVERED": 40, "REJECTED": 2])
            let reasons = try #require(counts["by_reason"] as? [[String: Any]])
            #expect(Set(reasons.compactMap { $0["code"] as? String }) == ["INVALID_NUMBER", "TEMPLATE_ERROR"])
            #expect(shown.json["delivery_rate"] as? Double == 0.9524)
            #expect((shown.json["cost"] as? [String: Any])?["amount"] as? String == "0.30")

            // The detail: the campaign's messages, filtered by reason; each says its campaign.
            let rejected = try await api.request("GET", "/v1/campaigns/\(id)/messages?reason=TEMPLATE_ERROR")
            let rows = try #require(rejected.json["data"] as? [[String: Any]])
            #expect(rows.count == 1)
            #expect(rows.first?["to"] as? String == "+14155551100")
            #expect(rows.first?["campaign_id"] as? String == id)
            let delivered = try await api.request("GET", "/v1/campaigns/\(id)/messages?status=DELIVERED&limit=500")
            #expect((delivered.json["data"] as? [Any])?.count == 40)
            #expect(((delivered.json["data"] as? [[String: Any]])?.first?["text"] as? String)?.hasPrefix("Hi Ann") == true)

            // The export of the campaign has one row per message.
            let export = try await api.request("GET", "/v1/messages/export?format=csv&campaign=\(id)")
            #expect(String(decoding: export.body, as: UTF8.self).split(separator: "\n").count == 43)
            // The campaign log lists it; another account sees nothing of it.
            let log = try await api.request("GET", "/v1/campaigns")
            #expect((log.json["data"] as? [[String: Any]])?.first?["id"] as? String == id)
            #expect(try await api.request("GET", "/v1/campaigns/\(id)", key: .some(api.otherKey)).status == 404)
        }
    }

    @Test("bad uploads and requests are refused naming the field; a canceled campaign takes no recipients")
    func refusals() async throws {
        try await APIHarness.run { api in
            let missing = try await api.request("POST", "/v1/campaigns", json: ["template": "nope"])
            #expect(missing.status == 422)
            #expect(missing.json["field"] as? String == "template")
            _ = try await api.request("POST", "/v1/templates", json: ["name": "t", "channel": "sms", "body": "Hello"])
            let badTime = try await api.request("POST", "/v1/campaigns", json: ["template": "t", "send_at": "tomorrow"])
            #expect(badTime.json["field"] as? String == "send_at")
            let created = try await api.request("POST", "/v1/campaigns", json: ["template": "t", "send_at": "2099-01-01T00:00:00Z",
                                                                               "recipients": [["to": "+14155550100"], ["to": "+14155550101"]]])
            let id = try #require((created.json["campaign"] as? [String: Any])?["id"] as? String)
            #expect(created.json["messages"] as? Int == 2)
            #expect(((created.json["campaign"] as? [String: Any])?["counts"] as? [String: Any])?["by_status"] as? [String: Int] == ["SCHEDULED": 2])

            let noHeader = try await api.request("POST", "/v1/campaigns/\(id)/recipients", raw: "+14155550102\n", headers: ["Content-Type": "text/csv"])
            #expect(noHeader.status == 422)
            #expect(noHeader.json["field"] as? String == "csv")
            #expect((noHeader.json["fix"] as? String)?.contains("to,name") == true)

            let canceled = try await api.request("POST", "/v1/campaigns/\(id)/cancel")
            #expect(canceled.json["changed_messages"] as? Int == 2)
            #expect((canceled.json["counts"] as? [String: Any])?["by_status"] as? [String: Int] == ["CANCELED": 2])
            let late = try await api.request("POST", "/v1/campaigns/\(id)/recipients", raw: "to\n+14155550103\n", headers: ["Content-Type": "text/csv"])
            #expect(late.status == 409)
            #expect(try await api.request("POST", "/v1/campaigns/\(id)/resume").status == 409)
            #expect(try await api.request("POST", "/v1/campaigns/cmp_nothing/pause").status == 404)
            let badReason = try await api.request("GET", "/v1/campaigns/\(id)/messages?reason=NOPE")
            #expect(badReason.status == 400)
            #expect(badReason.json["field"] as? String == "reason")
        }
    }
}
