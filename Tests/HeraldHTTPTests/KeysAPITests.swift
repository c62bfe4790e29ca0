import Foundation
import HeraldCore
@testable import HeraldHTTP
import HeraldStore
import Synchronization
import Testing

@Suite("HTTP API: keys and accounts", .serialized)
struct KeysAPITests {
    @Test("a key made with fewer scopes can do only those; listed without its secret; revoked, it stops working at once")
    func scopedKeyLifecycle() async throws {
        try await APIHarness.run { api in
            let created = try await api.request("POST", "/v1/keys", json: ["scopes": ["read"], "name": "dashboard reader"])
            #expect(created.status == 201)
            let secret = try #require(created.json["key"] as? String)
            let id = try #require(created.json["id"] as? String)
            #expect(id.hasPrefix("key_"))
            #expect(created.json["prefix"] as? String == String(secret.prefix(7)))
            #expect(created.json["scopes"] as? [String] == ["read"])
            #expect(created.json["role"] as? String == "account")
            #expect(created.json["revoked_at"] is NSNull)

            #expect(try await api.request("GET", "/v1/messages", key: secret).status == 200)
            let send = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "text": "hi"], key: secret)
            #expect(send.status == 403)
            #expect(send.json["type"] as? String == "https://herald.dev/problems/missing-scope")
            #expect((send.json["detail"] as? String)?.contains("'send'") == true)
            #expect(try await api.request("GET", "/v1/keys", key: secret).status == 403)

            let list = try await api.request("GET", "/v1/keys")
            let keys = try #require(list.json["data"] as? [[String: Any]])
            #expect(keys.count == 2)
            #expect(keys.allSatisfy { $0["key"] == nil })
            #expect(keys.last?["name"] as? String == "dashboard reader")

            // Another account's key cannot see or revoke it.
            #expect(try await api.request("DELETE", "/v1/keys/\(id)", key: api.otherKey).status == 404)
            let revoked = try await api.request("DELETE", "/v1/keys/\(id)")
            #expect(revoked.status == 200)
            #expect(revoked.json["revoked_at"] is String)
            let refused = try await api.request("GET", "/v1/messages", key: secret)
            #expect(refused.status == 401)
            #expect(refused.json["field"] as? String == "Authorization")
        }
    }

    @Test("an account key makes keys for its own account, never operator keys or more scopes than it has; mistakes name the field")
    func accountKeyLimits() async throws {
        try await APIHarness.run { api in
            let operatorKey = try await api.request("POST", "/v1/keys", json: ["role": "operator"])
            #expect(operatorKey.status == 403)
            #expect(operatorKey.json["field"] as? String == "role")
            let otherAccount = try await api.request("POST", "/v1/keys", json: ["account": "other"])
            #expect(otherAccount.status == 403)
            #expect(otherAccount.json["field"] as? String == "account")
            let unknownScope = try await api.request("POST", "/v1/keys", json: ["scopes": ["write"]])
            #expect(unknownScope.status == 422)
            #expect(unknownScope.json["field"] as? String == "scopes")
            let unknownField = try await api.request("POST", "/v1/keys", json: ["scope": ["read"]])
            #expect(unknownField.status == 422)
            #expect(unknownField.json["field"] as? String == "scope")

            let reader = try #require(try await api.request("POST", "/v1/keys", json: ["scopes": ["read", "admin"]]).json["key"] as? String)
            let wider = try await api.request("POST", "/v1/keys", json: ["scopes": ["send"]], key: reader)
            #expect(wider.status == 403)
            #expect(wider.json["field"] as? String == "scopes")
            #expect(try await api.request("POST", "/v1/keys", json: ["scopes": ["read"]], key: reader).status == 201)
            #expect(try await api.request("GET", "/v1/accounts").status == 403)
        }
    }

    @Test("an operator creates and lists accounts, makes their keys, and closes one: its keys stop working, its messages stay")
    func operatorAccounts() async throws {
        try await APIHarness.run { api in
            let created = try await api.request("POST", "/v1/accounts", json: ["name": "globex"], key: api.operatorKey)
            #expect(created.status == 201)
            let accountID = try #require(created.json["id"] as? String)
            #expect(created.json["disabled_at"] is NSNull)
            #expect(try await api.request("POST", "/v1/accounts", json: ["name": "globex"], key: api.operatorKey).status == 409)
            let badName = try await api.request("POST", "/v1/accounts", json: ["name": "no spaces"], key: api.operatorKey)
            #expect(badName.status == 422)
            #expect(badName.json["field"] as? String == "name")

            let names = try #require(try await api.request("GET", "/v1/accounts", key: api.operatorKey).json["data"] as? [[String: Any]]).compactMap { $0["name"] as? String }
            #expect(names == ["acme", "other", "ops", "globex"])

            let made = try await api.request("POST", "/v1/keys", json: ["account": "globex", "scopes": ["send", "read"]], key: api.operatorKey)
            #expect(made.status == 201)
            #expect(made.json["account_id"] as? String == accountID)
            let globexKey = try #require(made.json["key"] as? String)
            let sent = try await api.request("POST", "/v1/messages", json: ["channel": "sms", "to": "+14155550100", "text": "hi"], key: globexKey)
            #expect(sent.status == 202)
            let messageID = try #require(sent.json["id"] as? String)
            let onlyGlobex = try #require(try await api.request("GET", "/v1/keys?account=globex", key: api.operatorKey).json["data"] as? [[String: Any]])
            #expect(onlyGlobex.count == 1)

            let ownAccount = try #require(try await api.request("GET", "/v1/account", key: api.operatorKey).json["id"] as? String)
            #expect(try await api.request("DELETE", "/v1/accounts/\(ownAccount)", key: api.operatorKey).status == 409)
            let closed = try await api.request("DELETE", "/v1/accounts/\(accountID)", key: api.operatorKey)
            #expect(closed.status == 200)
            #expect(closed.json["disabled_at"] is String)
            #expect(try await api.request("GET", "/v1/messages/\(messageID)", key: globexKey).status == 401)
            #expect(try await api.store.message(id: messageID, accountID: accountID) != nil)
            #expect(try await api.request("DELETE", "/v1/accounts/acc_missing", key: api.operatorKey).status == 404)
        }
    }

    @Test("a key with a rate limit gets 429 with Retry-After once its second's requests are spent, and again when the bucket refills")
    func rateLimit() async throws {
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        try await APIHarness.run(rateLimiter: KeyRateLimiter(now: { clock.withLock { $0 } })) { api in
            let limited = try #require(try await api.request("POST", "/v1/keys", json: ["rate_limit": 2]).json["key"] as? String)
            #expect(try await api.request("GET", "/v1/messages", key: limited).status == 200)
            #expect(try await api.request("GET", "/v1/messages", key: limited).status == 200)
            let refused = try await api.request("GET", "/v1/messages", key: limited)
            #expect(refused.status == 429)
            #expect(refused.headers["Retry-After"] == "1")
            #expect(refused.json["type"] as? String == "https://herald.dev/problems/rate-limited")
            // Other keys are not affected.
            #expect(try await api.request("GET", "/v1/messages").status == 200)
            clock.withLock { $0 = $0.addingTimeInterval(0.5) }
            #expect(try await api.request("GET", "/v1/messages", key: limited).status == 200)
            #expect(try await api.request("GET", "/v1/messages", key: limited).status == 429)
        }
    }
}

@Suite("HTTP API: webhook secret rotation", .serialized)
struct WebhookRotationAPITests {
    @Test("POST /v1/webhooks/{id}/rotate-secret shows the new secret once and how long the old one still signs")
    func rotate() async throws {
        try await APIHarness.run { api in
            let created = try await api.request("POST", "/v1/webhooks", json: ["url": "https://example.com/herald"])
            let id = try #require(created.json["id"] as? String)
            let oldSecret = try #require(created.json["secret"] as? String)
            let rotated = try await api.request("POST", "/v1/webhooks/\(id)/rotate-secret")
            #expect(rotated.status == 200)
            let newSecret = try #require(rotated.json["secret"] as? String)
            #expect(newSecret != oldSecret)
            let expires = try #require((rotated.json["previous_secret_expires_at"] as? String).flatMap(Timestamp.parse))
            #expect(abs(expires.timeIntervalSinceNow - 86_400) < 600, "a day's grace by default")
            let listed = try #require((try await api.request("GET", "/v1/webhooks").json["data"] as? [[String: Any]])?.first)
            #expect(listed["secret"] == nil)
            #expect(listed["previous_secret_expires_at"] as? String != nil)
            let chosen = try await api.request("POST", "/v1/webhooks/\(id)/rotate-secret", json: ["secret": "my-own-secret-0123456789", "grace_seconds": 0])
            #expect(chosen.json["secret"] as? String == "my-own-secret-0123456789")
            let bad = try await api.request("POST", "/v1/webhooks/\(id)/rotate-secret", json: ["grace_seconds": 999_999_999])
            #expect(bad.status == 422)
            #expect(bad.json["field"] as? String == "grace_seconds")
            #expect(try await api.request("POST", "/v1/webhooks/wh_nothing/rotate-secret").status == 404)
            #expect(try await api.request("POST", "/v1/webhooks/\(id)/rotate-secret", key: api.otherKey).status == 404)
        }
    }
}

@Suite("HTTP API: key cache", .serialized)
struct KeyCacheTests {
    @Test("a key revoked by another process (the CLI on the same database, another node) is refused once the cache hears of it")
    func revokedElsewhere() async throws {
        try await APIHarness.run { api in
            let made = try await api.request("POST", "/v1/keys", json: ["name": "elsewhere"])
            let secret = try #require(made.json["key"] as? String), id = try #require(made.json["id"] as? String)
            #expect(try await api.request("GET", "/v1/messages", key: secret).status == 200, "now cached")
            // As `herald keys revoke` would: straight in the database, not through this server.
            _ = try await api.store.revokeAPIKey(id: id, accountID: nil, at: Date())
            var status = 200
            for _ in 0..<500 where status == 200 {
                status = try await api.request("GET", "/v1/messages", key: secret).status
                if status == 200 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(status == 401)
            #expect(try await api.request("GET", "/v1/messages").status == 200, "other keys still work")
        }
    }

    @Test("what was read before an invalidation is not remembered after it")
    func staleReadIsDropped() {
        let cache = KeyCache()
        let account = Account(id: "acc_1", name: "acme", createdAt: Date())
        let key = APIKey(id: "key_1", prefix: "hk_abc", accountID: "acc_1", role: .account, createdAt: Date())
        let before = cache.generation
        cache.invalidate()
        cache.remember("hash", account: account, key: key, readIn: before)
        #expect(cache.lookup("hash") == nil)
        cache.remember("hash", account: account, key: key, readIn: cache.generation)
        #expect(cache.lookup("hash")?.1 == key)
        cache.invalidate()
        #expect(cache.lookup("hash") == nil)
    }
}

@Suite("HTTP API: retention settings", .serialized)
struct RetentionSettingsAPITests {
    @Test("retention periods are account settings, checked: out of range or deleting before redacting is a 422 naming the field")
    func retentionSettings() async throws {
        try await APIHarness.run { api in
            let set = try await api.request("PATCH", "/v1/account", json: ["redact_after_days": 30, "delete_after_days": 365])
            #expect(set.status == 200)
            let settings = try #require(set.json["settings"] as? [String: Any])
            #expect(settings["redact_after_days"] as? Int == 30)
            #expect(settings["delete_after_days"] as? Int == 365)
            let zero = try await api.request("PATCH", "/v1/account", json: ["redact_after_days": 0])
            #expect(zero.status == 422)
            #expect(zero.json["field"] as? String == "redact_after_days")
            let backwards = try await api.request("PATCH", "/v1/account", json: ["delete_after_days": 7])
            #expect(backwards.status == 422)
            #expect(backwards.json["field"] as? String == "delete_after_days")
            let cleared = try await api.request("PATCH", "/v1/account", json: ["redact_after_days": NSNull(), "delete_after_days": NSNull()])
            #expect(cleared.status == 200)
            #expect((cleared.json["settings"] as? [String: Any])?["redact_after_days"] == nil)
        }
    }
}
