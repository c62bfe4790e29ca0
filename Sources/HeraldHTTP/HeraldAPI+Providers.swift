import Foundation
import HTTPTypes
import HeraldConnectors
import HeraldEngine
import Hummingbird

/// The callbacks of HTTP providers, not under the API key: `/v1/providers/{connector}/status` (delivery statuses) and
/// `/v1/providers/{connector}/inbound` (messages subscribers sent). The provider's signature is the authority; the
/// connector checks it and reads the request, ``ProviderCallbackIntake`` stores it and records what it says before the
/// answer goes back.
extension HeraldAPI {
    /// The provider routes, in `openapi.json`.
    static let providerRoutes: [(method: HTTPRequest.Method, path: String)] = [
        (.post, "/v1/providers/{connector}/status"), (.get, "/v1/providers/{connector}/status"),
        (.post, "/v1/providers/{connector}/inbound"), (.get, "/v1/providers/{connector}/inbound"),
    ]

    /// Largest callback body read (providers send a few kilobytes).
    static let maxProviderCallback = 1 << 20

    func addProviderRoutes(to router: Router<HeraldRequestContext>) {
        for kind in [ProviderCallback.Kind.status, .inbound] {
            let path = RouterPath("/v1/providers/:connector/\(kind.rawValue)")
            router.post(path) { request, context in try await self.providerCallback(kind, request, context) }
            router.get(path) { request, context in try await self.providerCallback(kind, request, context) }
        }
    }

    func providerCallback(_ kind: ProviderCallback.Kind, _ request: Request, _ context: HeraldRequestContext) async throws -> Response {
        let name = context.parameters.get("connector") ?? ""
        guard let intake = providerIntake, let publicURL,
              let connector = connectors.first(where: { $0.name == name }) as? any ProviderCallbackHandling
        else {
            throw APIProblem(status: .notFound, type: "unknown-provider-connector", title: "No such provider connector",
                             detail: "no HTTP provider connector is named '\(name)'\(publicURL == nil ? " (herald serve runs without --public-url)" : "")",
                             fix: "use the name of a twilio, vonage or whatsapp connector from the --config file, and start herald serve with --public-url")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxProviderCallback)
        } catch {
            throw APIProblem(status: .contentTooLarge, type: "body-too-large", title: "Body too large",
                             detail: "a provider callback is at most \(Self.maxProviderCallback) bytes", fix: "none: this is not a provider's callback")
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        let query = request.uri.query
        let callback = ProviderCallback(
            kind: kind, method: request.method.rawValue, url: base + request.uri.path + (query.map { "?" + $0 } ?? ""),
            query: request.uri.queryParameters.map { ProviderCallback.Parameter(String($0.key), String($0.value)) },
            headers: headers, body: Array(buffer: body), receivedAt: Date()
        )
        let answer = try await intake.take(callback, by: connector)
        if answer.status >= 400 {
            throw APIProblem(status: HTTPResponse.Status(code: answer.status), type: "provider-callback-refused", title: "Provider callback refused",
                             detail: answer.body.trimmingCharacters(in: .whitespacesAndNewlines),
                             fix: "providers sign their callbacks: check the connector's secret and that --public-url is the address the provider calls")
        }
        var responseHeaders = HTTPFields()
        if let type = answer.contentType { responseHeaders[.contentType] = type }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: responseHeaders,
                        body: .init(byteBuffer: ByteBuffer(string: answer.body)))
    }
}
