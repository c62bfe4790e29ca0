import Foundation
import HeraldCore
import HeraldStore
import PhoneNumbers
import Hummingbird

/// The answer of `POST /v1/dnd`.
struct DNDImportJSON: Encodable {
    struct Invalid: Encodable {
        var line: Int
        var value: String
        var problem: String
    }

    var added: Int
    var alreadyListed: Int
    var invalid: [Invalid]

    enum CodingKeys: String, CodingKey { case added, alreadyListed = "already_listed", invalid }
}

extension HeraldAPI {
    /// `GET /v1/dnd`: the account's Do-Not-Disturb list, newest first.
    @Sendable func listDND(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let limit = try Self.limit(request.uri.queryParameters["limit"].map(String.init), default: 500)
        let entries = try await store.dndList(accountID: account.id, limit: limit)
        return try Self.encode(["data": entries.map { ["recipient": $0.recipient, "created_at": Timestamp.format($0.createdAt)] }])
    }

    /// `POST /v1/dnd`: imports numbers, from `{"recipients": [...]}` or a CSV body (`Content-Type: text/csv`, the
    /// number in the first column, a header line allowed). National numbers are read in the account's default
    /// country. Answers how many were added and every line that was not a number, with the reason.
    @Sendable public func importDND(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        var values: [(line: Int, value: String)] = []
        if request.headers[.contentType]?.lowercased().hasPrefix("text/csv") == true {
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: context.limits.uploadBytes)
            } catch {
                throw RequestLimits.tooLarge(context.limits.uploadBytes, upload: true)
            }
            let text = String(buffer: buffer)
            for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
                let first = line.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
                let value = first.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'"))
                if value.isEmpty { continue }
                values.append((index + 1, value))
            }
        } else {
            struct Body: StrictBody {
                var recipients: [String]?
                static var fields: [String: BodyField] { ["recipients": .value] }
            }
            let body: Body = try await Self.decode(request, context: context)
            guard let recipients = body.recipients else {
                throw APIProblem.invalid(FieldError(field: "recipients", problem: "recipients is missing",
                                                    fix: "send {\"recipients\": [\"+447400123456\"]} or a CSV body with Content-Type: text/csv"))
            }
            values = recipients.enumerated().map { ($0.offset + 1, $0.element) }
        }
        var numbers: [String] = []
        var invalid: [(line: Int, value: String, problem: String)] = []
        for (line, value) in values {
            switch PhoneNumber.parse(value, defaultRegion: account.settings.defaultCountry) {
            case .success(let number): numbers.append(number.e164)
            case .failure(let error):
                // A header line ("phone", "number") is not an error.
                if line == 1, !value.contains(where: \.isNumber) { continue }
                invalid.append((line, value, "\(error)"))
            }
        }
        if let first = invalid.first, numbers.isEmpty {
            throw APIProblem.invalid(FieldError(field: "recipients", problem: "no line holds a valid number (line \(first.line): '\(first.value)': \(first.problem))",
                                                fix: "send numbers in E.164 form, e.g. +447400123456, one per line"))
        }
        if numbers.isEmpty {
            throw APIProblem.invalid(FieldError(field: "recipients", problem: "the list holds no number",
                                                fix: "send one number per line (a header line such as 'phone' may come first), or {\"recipients\": [\"+447400123456\"]}"))
        }
        let added = try await store.addDND(accountID: account.id, recipients: Array(Set(numbers)), now: Date())
        return try Self.encode(DNDImportJSON(added: added, alreadyListed: Set(numbers).count - added,
                                             invalid: invalid.map { .init(line: $0.line, value: $0.value, problem: $0.problem) }))
    }

    /// `DELETE /v1/dnd?recipient=`.
    @Sendable public func removeDND(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        guard let raw = request.uri.queryParameters["recipient"].map(String.init) else {
            throw APIProblem.invalid(FieldError(field: "recipient", problem: "recipient is missing", fix: "add ?recipient=+447400123456"))
        }
        guard case .success(let number) = PhoneNumber.parse(raw, defaultRegion: account.settings.defaultCountry) else {
            throw APIProblem.invalid(FieldError(field: "recipient", problem: "'\(raw)' is not a phone number", fix: "use E.164, e.g. +447400123456"))
        }
        guard try await store.removeDND(accountID: account.id, recipient: number.e164) else { throw APIProblem.notFound("DND entry", id: number.e164) }
        return Response(status: .noContent)
    }
}
