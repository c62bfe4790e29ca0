import Foundation
import HeraldCore
import HeraldHTTP
import Testing

@Suite("HTTP API: connectors and inbound messages", .serialized)
struct OperatorAPITests {
    @Test("GET /v1/connectors lists each connector with its type, channels and whether it is up")
    func connectors() async throws {
        try await APIHarness.run { api in
            let reply = try await api.request("GET", "/v1/connectors")
            #expect(reply.status == 200)
            let data = try #require(reply.json["data"] as? [[String: Any]])
            #expect(data.count == 1)
            #expect(data[0]["type"] as? String == "simulator")
            #expect(data[0]["up"] as? Bool == true)
            #expect((data[0]["channels"] as? [String])?.contains("sms") == true)
            #expect(try await api.request("GET", "/v1/connectors", key: .some(nil)).status == 401)
        }
    }

    @Test("GET /v1/inbound pages the account's inbound messages; a bad limit is a problem naming the field")
    func inbound() async throws {
        try await APIHarness.run { api in
            let empty = try await api.request("GET", "/v1/inbound")
            #expect(empty.status == 200)
            #expect((empty.json["data"] as? [Any])?.isEmpty == true)
            let bad = try await api.request("GET", "/v1/inbound?limit=0")
            #expect(bad.status == 400)
            #expect(bad.json["field"] as? String == "limit")
        }
    }
}
