import Foundation
import HeraldJSON
import HTTPTypes
import Hummingbird
import HeraldCore

/// Every error of the API, rendered as RFC 9457 `application/problem+json` naming the field and the fix.
public struct APIProblem: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var type: String
    public var title: String
    public var detail: String
    public var field: String?
    public var fix: String?
    /// `Allow` header of a 405.
    var allow: String?
    /// `Retry-After` header (seconds) of a 429 or 503.
    var retryAfter: Int?

    public init(status: HTTPResponse.Status, type: String, title: String, detail: String, field: String? = nil, fix: String? = nil) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.field = field
        self.fix = fix
    }

    static func invalid(_ error: FieldError) -> APIProblem {
        if error.isTooLarge {
            return APIProblem(status: .contentTooLarge, type: "too-large", title: "Too large", detail: error.problem, field: error.field, fix: error.fix)
        }
        return APIProblem(status: .unprocessableContent, type: "invalid-field", title: "Invalid field", detail: error.problem, field: error.field, fix: error.fix)
    }

    static func malformedJSON(_ detail: String, field: String? = nil) -> APIProblem {
        APIProblem(status: .badRequest, type: "malformed-json", title: "Malformed JSON", detail: detail, field: field,
                   fix: "send a JSON object with Content-Type: application/json as described in /openapi.json")
    }

    static func unauthorized(_ detail: String) -> APIProblem {
        APIProblem(status: .unauthorized, type: "unauthorized", title: "Unauthorized", detail: detail, field: "Authorization",
                   fix: "send 'Authorization: Bearer <key>' with a key from 'herald keys create'")
    }

    static func notFound(_ what: String, id: String) -> APIProblem {
        APIProblem(status: .notFound, type: "not-found", title: "Not found", detail: "no \(what) '\(id)' in this account", field: "id",
                   fix: "use an id returned by this account's API calls")
    }

    static func badQuery(_ field: String, _ detail: String, fix: String) -> APIProblem {
        APIProblem(status: .badRequest, type: "invalid-query", title: "Invalid query parameter", detail: detail, field: field, fix: fix)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        // Written like every other answer (JSONWriter), in RFC 9457's order, then Herald's field and fix.
        var writer = JSONWriter(capacity: 256)
        writer.object { writer in
            writer.field("type", "https://herald.dev/problems/\(type)")
            writer.field("title", title)
            writer.field("status", Int(status.code))
            writer.field("detail", detail)
            writer.optionalField("field", field)
            writer.optionalField("fix", fix)
        }
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let allow { headers[.allow] = allow }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: writer.buffer))
    }
}
