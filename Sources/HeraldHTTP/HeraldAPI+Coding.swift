import Foundation
import HTTPTypes
import Hummingbird
import HeraldCore
import HeraldJSON

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}

extension HeraldAPI {
    static func encode(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Writes a response with ``JSONWriter``.
    static func write(status: HTTPResponse.Status = .ok, _ body: (inout JSONWriter) -> Void) -> Response {
        var writer = JSONWriter()
        body(&writer)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: writer.buffer))
    }

    static func json(_ object: [String: String]) throws -> Response {
        try encode(object)
    }

    /// Decodes a JSON body, turning every decoding failure into a problem that names the field.
    static func decode<T: Decodable>(_ request: Request, context: HeraldRequestContext) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.limits.requestBytes)
        } catch {
            throw RequestLimits.tooLarge(context.limits.requestBytes)
        }
        guard buffer.readableBytes > 0 else { throw APIProblem.malformedJSON("the request body is empty") }
        return try decode(Data(buffer: buffer))
    }

    /// A send request's body as the API reads it, validated as `POST /v1/messages` would (no account, no store): the
    /// whole decoding path in one call, for the JSON fuzz target. Throws the API's problem.
    public static func validateSendBody(_ data: Data) throws -> MessageDraft {
        let body: SendRequestJSON = try decode(data)
        switch MessageValidator().validate(try body.request()) {
        case .success(let draft): return draft
        case .failure(let error): throw APIProblem.invalid(error)
        }
    }

    /// Decodes a JSON body; every failure is the problem naming the field.
    static func decode<T: Decodable>(_ data: Data) throws -> T {
        if Self.mayHoldNUL(data), let field = Self.fieldWithNUL(data) {
            // PostgreSQL refuses NUL in text and SQLite cuts text at it: the same 422 on both, before anything is stored.
            throw APIProblem.invalid(FieldError(field: field, problem: "\(field) contains a NUL character (\\u0000)",
                                                fix: "remove the NUL character from \(field)"))
        }
        do {
            let decoded = try JSONDecoder().decode(T.self, from: data)
            if let strict = T.self as? any StrictBody.Type,
               let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let error = StrictBodyCheck.unknownField(in: object, of: strict) {
                throw APIProblem.invalid(error)
            }
            return decoded
        } catch let problem as APIProblem {
            throw problem
        } catch let DecodingError.typeMismatch(type, context) {
            let field = path(context.codingPath)
            if field.isEmpty { throw APIProblem.malformedJSON("the body must be a JSON object") }
            throw APIProblem.invalid(FieldError(field: field, problem: "\(field.isEmpty ? "body" : field) has the wrong type", fix: "send \(describe(type))"))
        } catch let DecodingError.valueNotFound(type, context) {
            let field = path(context.codingPath)
            throw APIProblem.invalid(FieldError(field: field, problem: "\(field) is null", fix: "send \(describe(type)) or leave the field out"))
        } catch DecodingError.dataCorrupted(let context) {
            throw APIProblem.malformedJSON("the body is not valid JSON: \(context.debugDescription)", field: path(context.codingPath).nilIfEmpty)
        } catch {
            throw APIProblem.malformedJSON("the body could not be read as JSON: \(error)")
        }
    }

    /// Whether the JSON text has a `\u0000` escape (an odd run of backslashes before `u0000`): the cheap test first.
    static func mayHoldNUL(_ data: Data) -> Bool {
        data.withUnsafeBytes { mayHoldNUL(UnsafeRawBufferPointer($0)) }
    }

    private static func mayHoldNUL(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while index + 5 < bytes.count {
            if bytes[index] == 0x5C {
                var run = 0
                while index < bytes.count, bytes[index] == 0x5C { run += 1; index += 1 }
                if run % 2 == 1, index + 4 < bytes.count, bytes[index] == 0x75,
                   bytes[(index + 1)...(index + 4)].elementsEqual([0x30, 0x30, 0x30, 0x30]) {
                    return true
                }
                continue
            }
            index += 1
        }
        return false
    }

    /// The path (`messages[1].text`) of the first string value or key holding a NUL character.
    static func fieldWithNUL(_ data: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return "body" }
        func find(_ value: Any, _ path: String) -> String? {
            switch value {
            case let text as String:
                return text.utf8.contains(0) ? (path.isEmpty ? "body" : path) : nil
            case let array as [Any]:
                for (index, item) in array.enumerated() {
                    if let found = find(item, "\(path)[\(index)]") { return found }
                }
                return nil
            case let dictionary as [String: Any]:
                for key in dictionary.keys.sorted() {
                    let child = path.isEmpty ? key : "\(path).\(key)"
                    if key.utf8.contains(0) { return child }
                    if let value = dictionary[key], let found = find(value, child) { return found }
                }
                return nil
            default:
                return nil
            }
        }
        return find(object, "")
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return text
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is [Any].Type: "an array"
        default: "a value of the documented type"
        }
    }

    static func vocabulary(_ request: Request) throws -> Vocabulary {
        guard let raw = request.uri.queryParameters["vocabulary"].map(String.init) else { return .canonical }
        guard let vocabulary = Vocabulary(rawValue: raw.lowercased()) else {
            throw APIProblem.badQuery("vocabulary", "unknown vocabulary '\(raw)'", fix: "use one of: " + Vocabulary.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return vocabulary
    }

    /// A page size from `?limit=`: 1 to 500.
    static func limit(_ text: String?, default value: Int) throws -> Int {
        guard let text else { return value }
        guard let limit = Int(text), (1...500).contains(limit) else {
            throw APIProblem.badQuery("limit", "limit '\(text)' is out of range", fix: "use 1 to 500")
        }
        return limit
    }

    static func date(_ text: String?, field: String) throws -> Date? {
        guard let text else { return nil }
        guard let date = Timestamp.parse(text) else {
            throw APIProblem.badQuery(field, "'\(text)' is not a timestamp", fix: "use RFC 3339, e.g. 2026-11-22T00:00:00Z")
        }
        return date
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
