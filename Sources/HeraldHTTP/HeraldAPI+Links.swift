import Foundation
import HTTPTypes
import HeraldCore
import HeraldLinks
import HeraldStore
import Hummingbird

/// The signed links in e-mails (``LinkSigner``), not under `/v1`: the token is the authority, not an API key.
///
/// - `/t/u/{token}`: the one-click unsubscribe of RFC 8058 behind `List-Unsubscribe`. A POST (what a mail client
///   sends, body `List-Unsubscribe=One-Click`) opts the recipient out of the account's e-mail at once; later sends to
///   the address are UNSUBSCRIBED / OPTED_OUT. A GET only shows a page with the button, because link scanners fetch
///   every link they see.
/// - `/t/o/{token}`: the open pixel (a 1x1 GIF); `/t/c/{token}`: a tracked link, redirecting (302) to the URL signed
///   into it, never elsewhere. Each records an OPENED or CLICKED engagement event as a receipt of the message (the first
///   one stands; repeats are duplicates), which never changes its delivery status.
extension HeraldAPI {
    /// The link routes, in `openapi.json`.
    static let linkRoutes: [(method: HTTPRequest.Method, path: String)] = [
        (.get, "/t/u/{token}"), (.post, "/t/u/{token}"), (.get, "/t/o/{token}"), (.get, "/t/c/{token}"),
    ]

    /// A transparent 1x1 GIF.
    static let pixel: [UInt8] = [
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x21, 0xF9, 0x04,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
    ]

    func openPixel(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let target = try await verified(.open, context)
        try await recordEngagement(.opened, target: target, detail: ProviderDetail(status: "open", text: request.headers[.userAgent].map { String($0.prefix(200)) }))
        return Response(status: .ok, headers: [.contentType: "image/gif", .cacheControl: "no-store, max-age=0"],
                        body: .init(byteBuffer: ByteBuffer(bytes: Self.pixel)))
    }

    func click(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let target = try await verified(.click, context)
        let lowered = target.payload.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else { throw Self.linkNotFound }
        try await recordEngagement(.clicked, target: target, detail: ProviderDetail(status: "click", text: String(target.payload.prefix(500))))
        return Response(status: .found, headers: [.location: target.payload, .cacheControl: "no-store"])
    }

    private func verified(_ purpose: LinkSigner.Purpose, _ context: HeraldRequestContext) async throws -> LinkSigner.Target {
        guard let links, let token = context.parameters.get("token"), let target = await links.verify(purpose, token: token) else {
            throw Self.linkNotFound
        }
        return target
    }

    /// OPENED or CLICKED as a receipt of the message's submission (so it is evidence like any other, de-duplicated the
    /// same way); a message not submitted yet has nothing to record it against.
    private func recordEngagement(_ engagement: Engagement, target: LinkSigner.Target, detail: ProviderDetail) async throws {
        guard let part = try await store.parts(messageID: target.messageID).first(where: { $0.state.connector != nil && $0.state.providerMessageID != nil }),
              let connector = part.state.connector, let providerID = part.state.providerMessageID
        else { return }
        let now = Date()
        _ = try await store.ingest([ProviderReceipt(connector: connector, providerMessageID: providerID, kind: .engagement(engagement),
                                                    occurredAt: now, receivedAt: now, detail: detail)])
    }

    static var linkNotFound: APIProblem {
        APIProblem(status: .notFound, type: "link-not-found", title: "Link not valid", detail: "this link was not made by this Herald, or its message no longer exists",
                   fix: "use the link exactly as it came in the e-mail")
    }

    func unsubscribePage(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let (_, message) = try await unsubscribeTarget(context)
        return Self.page(title: "Unsubscribe", body: """
            <p>Stop e-mails to <strong>\(Self.escaped(message.to))</strong> from this sender?</p>
            <form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>
            """)
    }

    func unsubscribe(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let (target, message) = try await unsubscribeTarget(context)
        // The same store rule as an unsubscribe by mail: the message's recipient on the message's channel.
        guard try await store.suppressRecipient(ofMessage: target.messageID, source: "unsubscribe:\(target.messageID)", at: Date()) else {
            throw Self.linkNotFound
        }
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
