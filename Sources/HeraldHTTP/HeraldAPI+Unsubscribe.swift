import Foundation
import HTTPTypes
import HeraldCore
import HeraldLinks
import HeraldStore
import Hummingbird

/// The one-click unsubscribe of RFC 8058 behind an e-mail's `List-Unsubscribe` header: a POST to the signed link
/// (what a mail client sends, body `List-Unsubscribe=One-Click`) opts the recipient out of the account's e-mail at
/// once; later sends to the address are UNSUBSCRIBED / OPTED_OUT. A GET only shows a page with the button, because link
/// scanners fetch every link they see. Not under `/v1`: the token is the authority, not an API key.
extension HeraldAPI {
    /// The unsubscribe routes, in `openapi.json`.
    static let unsubscribeRoutes: [(method: HTTPRequest.Method, path: String)] = [(.get, "/t/u/{token}"), (.post, "/t/u/{token}")]

    func unsubscribePage(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let (_, message) = try await unsubscribeTarget(context)
        return Self.page(title: "Unsubscribe", body: """
            <p>Stop e-mails to <strong>\(Self.escaped(message.to))</strong> from this sender?</p>
            <form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>
            """)
    }

    func unsubscribe(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let (target, message) = try await unsubscribeTarget(context)
        try await store.addSuppression(Suppression(accountID: target.accountID, channel: message.channel, recipient: message.to,
                                                   source: "unsubscribe:\(target.messageID)", createdAt: Date()))
        return Self.page(title: "Unsubscribed", body: "<p>Done: no more e-mails to <strong>\(Self.escaped(message.to))</strong> from this sender.</p>")
    }

    private func unsubscribeTarget(_ context: HeraldRequestContext) async throws -> (LinkSigner.Target, MessageRecord) {
        guard let links, let token = context.parameters.get("token"), let target = await links.verify(.unsubscribe, token: token),
              let message = try await store.message(id: target.messageID, accountID: target.accountID)
        else {
            throw APIProblem(status: .notFound, type: "link-not-found", title: "Link not valid",
                             detail: "this unsubscribe link was not made by this Herald, or its message no longer exists",
                             fix: "use the link exactly as it came in the e-mail")
        }
        return (target, message)
    }

    static func page(title: String, body: String) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">\
            <title>\(escaped(title))</title></head><body><main><h1>\(escaped(title))</h1>\(body)</main></body></html>
            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
