import Foundation
import HeraldConnectors
import HeraldCore
import HeraldEngine
import HeraldHTTP
import HeraldStore
import Hummingbird

/// The account's keys and webhooks, and (operators) the connectors.
extension DashboardPages {
    func keys(context: HeraldRequestContext, store: any HeraldStore, csrf: String, created: (secret: String, key: APIKey)? = nil, error: String? = nil,
              status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let account = context.account else { return problem(.unauthorized, heading: "Signed out", detail: "Sign in again.") }
        guard context.key?.scopes.contains(.admin) == true else {
            return problem(.forbidden, heading: "Keys need the admin scope", detail: "This key cannot see or change keys. Sign in with a key that has the admin scope.")
        }
        let keys = try await store.apiKeys(accountID: context.role == .operator ? nil : account.id)
        var view = header(context, title: "API keys", csrf: csrf)
        view["onKeys"] = true
        view["keys"] = keys.reversed().map { key -> [String: Any] in
            ["id": key.id, "prefix": key.prefix, "account": key.accountID, "role": key.role.rawValue, "scopes": APIKeyScope.text(key.scopes),
             "name": key.name as Any, "rateLimit": key.rateLimit.map { "\($0)/s" } ?? "none", "created": Self.short(key.createdAt),
             "revoked": key.revokedAt.map(Self.short) as Any, "current": key.id == context.key?.id]
        }
        view["scopes"] = APIKeyScope.allCases.filter { context.role == .operator || context.key?.scopes.contains($0) == true }.map(\.rawValue)
        if let created { view["created"] = ["secret": created.secret, "prefix": created.key.prefix] }
        view["error"] = error as Any
        return render("keys", view, status: status)
    }

    func webhooks(context: HeraldRequestContext, store: any HeraldStore, csrf: String) async throws -> Response {
        guard let account = context.account else { return problem(.unauthorized, heading: "Signed out", detail: "Sign in again.") }
        var hooks: [[String: Any]] = []
        for hook in try await store.webhooks(accountID: account.id) {
            let deliveries = try await store.deliveries(webhookID: hook.id, accountID: account.id, limit: 20) ?? []
            hooks.append([
                "id": hook.id, "url": hook.url, "events": hook.events.isEmpty ? "every event" : hook.events.sorted().joined(separator: ", "),
                "created": Self.short(hook.createdAt), "batch": hook.batch.map { "up to \($0.maxEvents) events per POST" } as Any,
                "rotation": hook.previousSecretUntil.flatMap { $0 > Date() ? "old secret still signs until \(Self.short($0))" : nil } as Any,
                "deliveries": deliveries.map { delivery, attempts -> [String: Any] in
                    [
                        "id": delivery.id, "message": delivery.messageID, "state": delivery.state.rawValue, "created": Self.short(delivery.createdAt),
                        "attempts": attempts.map { attempt in
                            ["at": Self.short(attempt.at), "code": attempt.statusCode.map(String.init) ?? "no answer", "ms": attempt.latencyMs,
                             "error": attempt.error as Any]
                        },
                        "resendable": delivery.state != .pending && context.key?.scopes.contains(.admin) == true, "webhook": hook.id,
                    ]
                },
            ])
        }
        var view = header(context, title: "Webhooks", csrf: csrf)
        view["onWebhooks"] = true
        view["hooks"] = hooks
        return render("webhooks", view)
    }

    func connectors(_ connectors: [any Connector], registry: ConnectorRegistry?, context: HeraldRequestContext, csrf: String, now: Date) -> Response {
        guard context.role == .operator else {
            return problem(.forbidden, heading: "Operators only", detail: "Connectors concern every account: sign in with an operator key (herald keys create --role operator).")
        }
        var view = header(context, title: "Connectors", csrf: csrf)
        view["onConnectors"] = true
        view["connectors"] = connectors.map(\.health).map { health -> [String: Any] in
            ["name": health.name, "type": health.type, "channels": health.channels.joined(separator: ", "), "up": health.isUp, "detail": health.detail,
             "circuit": registry?.circuit(of: health.name, now: now) ?? "–", "hasSessions": !health.sessions.isEmpty,
             "sessions": health.sessions.map { session -> [String: Any] in
                 ["name": session.name, "state": session.state, "since": Self.short(session.since), "window": "\(session.inFlight) of \(session.window)",
                  "submitted": session.submitted, "throttled": session.throttled, "rate": String(format: "%.1f/s", session.ratePerSecond),
                  "waiting": session.receiptsWaiting == 0 ? "0" : "\(session.receiptsWaiting) since \(session.oldestWaitingSince.map(Self.short) ?? "")",
                  "lastError": session.lastError.map { "\($0) (\(session.lastErrorAt.map(Self.short) ?? ""))" } ?? "none"]
             }]
        }
        return render("connectors", view)
    }
}
