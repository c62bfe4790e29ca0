import Foundation
import HeraldCore
import HeraldJSON
import HeraldStore
import HTTPTypes
import Hummingbird
import NIOCore

/// The log as CSV or NDJSON, page by page, for the API's export and `herald export`.
public struct MessageExport: Sendable {
    let store: any HeraldStore
    let filter: MessageQuery
    let csv: Bool
    let vocabulary: Vocabulary
    let currency: String

    public init(store: any HeraldStore, filter: MessageQuery, csv: Bool, vocabulary: Vocabulary, currency: String) {
        self.store = store
        self.filter = filter
        self.csv = csv
        self.vocabulary = vocabulary
        self.currency = currency
    }

    /// Messages read per page.
    static let pageSize = 5000

    /// Hands `write` one buffer per page of messages (the CSV header first); returns how many rows were written.
    /// The next page is read while the current one is formatted and written.
    @discardableResult
    public func stream(_ write: (ByteBuffer) async throws -> Void) async throws -> Int {
        var buffer = ByteBuffer()
        if csv { buffer.writeString(HeraldAPI.exportColumns.joined(separator: ",") + "\n") }
        var query = filter
        query.limit = Self.pageSize
        query.content = false
        var rows = 0
        var page = try await store.messages(matching: query)
        while true {
            let more = page.count == query.limit
            query.before = page.last?.id
            let nextQuery = query
            async let next = more ? store.messages(matching: nextQuery) : []
            if let word = filter.word { page = page.filter { word.matches(status: $0.status, reason: $0.reason, engagement: $0.engagement) } }
            if csv {
                for message in page { HeraldAPI.writeCSV(HeraldAPI.exportRow(message, vocabulary: vocabulary, currency: currency), to: &buffer) }
            } else {
                var json = JSONWriter(buffer: buffer)
                buffer = ByteBuffer()  // the writer holds the only reference: its writes copy nothing
                for message in page { HeraldAPI.writeNDJSON(HeraldAPI.exportRow(message, vocabulary: vocabulary, currency: currency), to: &json) }
                buffer = json.buffer
            }
            rows += page.count
            try await write(buffer)
            buffer.clear()
            page = try await next
            if !more { return rows }
        }
    }
}

extension HeraldAPI {
    /// Columns of the export, in order (CSV header and NDJSON keys).
    static let exportColumns = exportKeys.map { "\($0)" }

    /// `GET /v1/messages/export?format=csv|ndjson` with the log's filters (status, reason, to, tag, campaign, since, until) and `vocabulary`:
    /// every matching message, newest first, streamed page by page (memory stays flat however many there are).
    @Sendable public func export(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let format = (request.uri.queryParameters["format"].map(String.init) ?? "csv").lowercased()
        guard format == "csv" || format == "ndjson" else {
            throw APIProblem.badQuery("format", "unknown format '\(format)'", fix: "use csv or ndjson")
        }
        let filter = try Self.messageFilter(request, accountID: account.id)
        let vocabulary = try Self.vocabulary(request)
        let currency = gateway.prices.currency
        let store = self.store
        let headers: HTTPFields = [
            .contentType: format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
            .contentDisposition: "attachment; filename=\"herald-messages.\(format)\"",
        ]
        let export = MessageExport(store: store, filter: filter, csv: format == "csv", vocabulary: vocabulary, currency: currency)
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await export.stream { try await writer.write($0) }
            try await writer.finish(nil)
        })
    }

    /// One message as export values (nil: empty / null).
    static func exportRow(_ message: MessageRecord, vocabulary: Vocabulary, currency: String) -> [String?] {
        let reason = message.reason?.info
        return [
            message.id, Timestamp.format(message.createdAt), Timestamp.format(message.updatedAt), message.sendAt.map(Timestamp.format),
            Timestamp.format(message.expiresAt), message.channel.rawValue, message.to, message.from, message.tag,
            vocabulary.word(for: message.status, reason: message.reason, engagement: message.engagement), message.status.isFinal ? "true" : "false",
            reason?.code.rawValue, reason?.meaning, message.providerStatus, message.providerError, String(message.segments),
            String(message.billedSegments), PriceTable.decimal(message.costMicros), currency, message.encoding,
            message.campaignID, message.billable ? "true" : "false",
        ]
    }

    /// RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled. A cell a spreadsheet would run as a
    /// formula (starting with `=`, `@`, a tab or CR, or `+` / `-` not followed by a plain number such as `+14155550100`)
    /// is written with a leading `'` (OWASP's CSV injection advice), so an exported tag or sender cannot execute.
    static func writeCSV(_ row: [String?], to buffer: inout ByteBuffer) {
        for (index, value) in row.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            guard var value else { continue }
            if isFormula(value) { value = "'" + value }
            if value.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) {
                buffer.writeInteger(UInt8(ascii: "\""))
                buffer.writeString(value.replacingOccurrences(of: "\"", with: "\"\""))
                buffer.writeInteger(UInt8(ascii: "\""))
            } else {
                buffer.writeString(value)
            }
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    /// Whether a spreadsheet would read the cell as a formula.
    static func isFormula(_ value: String) -> Bool {
        guard let first = value.utf8.first else { return false }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "@"), 0x09, 0x0D:
            return true
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let rest = value.utf8.dropFirst()
            return rest.isEmpty || !rest.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x20 || $0 == UInt8(ascii: ".") }
        default:
            return false
        }
    }

    /// One NDJSON line, written on after what `json` holds.
    static func writeNDJSON(_ row: [String?], to json: inout JSONWriter) {
        json.object { writer in
            for (key, value) in zip(exportKeys, row) {
                writer.key(key)
                if let value { writer.string(value) } else { writer.null() }
            }
        }
        json.newline()
    }

    /// The export's columns as static strings (the JSON writer's keys).
    static let exportKeys: [StaticString] = [
        "id", "created_at", "updated_at", "send_at", "expires_at", "channel", "to", "from", "tag", "status", "final", "reason_code",
        "reason_meaning", "provider_status", "provider_error_code", "segments", "billable_segments", "cost", "currency", "encoding",
        "campaign_id", "billable",
    ]
}

extension HTTPField.Name {
    static let contentDisposition = HTTPField.Name("Content-Disposition")!
}
