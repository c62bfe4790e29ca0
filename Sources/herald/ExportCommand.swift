import ArgumentParser
import Foundation
import HeraldCore
import HeraldHTTP
import HeraldStore
import Logging
import NIOCore
import NIOFoundationCompat

/// `herald export`: the message log of an account as CSV or NDJSON, straight from the database.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export an account's messages as CSV or NDJSON (status, reason, provider words, segments, cost, timestamps).",
        discussion: "Exit codes: 0 done, 64 bad option, 66 no such account."
    )

    @Option(help: "Account name.") var account: String = "demo"
    @Option(help: "csv or ndjson.") var format: String = "csv"
    @Option(help: "Only this status (a word of --vocabulary: canonical by default).") var status: String?
    @Option(help: "Only messages with this tag.") var tag: String?
    @Option(help: "Only this campaign's messages (cmp_...).") var campaign: String?
    @Option(help: "Only messages created at or after this time (RFC 3339).") var since: String?
    @Option(help: "Only messages created before this time (RFC 3339).") var until: String?
    @Option(help: "Status words of: canonical, raven, smsto, tracksend, masstack, vonage-log.") var vocabulary: String = "canonical"
    @Option(help: "Write to this file instead of standard output.") var output: String?
    @OptionGroup var database: TargetOptions

    func run() async throws {
        guard format == "csv" || format == "ndjson" else { throw ValidationError("--format must be csv or ndjson") }
        guard let words = Vocabulary(rawValue: vocabulary) else {
            throw ValidationError("--vocabulary must be one of: " + Vocabulary.allCases.map(\.rawValue).joined(separator: ", "))
        }
        // --status in the words of --vocabulary, as the API's ?status= reads it.
        var statusWord: StatusWordFilter?
        if let status {
            guard let word = StatusWordFilter(word: status, vocabulary: words) else {
                throw ValidationError("--status '\(status)' is not a status word of the \(words.rawValue) vocabulary")
            }
            statusWord = word
        }
        let range = try [since, until].map { text -> Date? in
            guard let text else { return nil }
            guard let date = Timestamp.parse(text) else { throw ValidationError("'\(text)' is not a timestamp; use RFC 3339, e.g. 2026-11-01T00:00:00Z") }
            return date
        }
        let handle: FileHandle
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil) else { throw ValidationError("--output '\(output)' cannot be written") }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        } else {
            handle = FileHandle.standardOutput
        }
        if let server = database.server {
            var written = 0
            try await server.stream("/v1/messages/export", query: [
                ("format", format), ("status", status), ("tag", tag), ("campaign", campaign), ("since", since), ("until", until), ("vocabulary", vocabulary),
            ]) { chunk in
                written += chunk.readableBytes
                handle.write(Data(buffer: chunk))
            }
            if let output { FileHandle.standardError.write(Data("\(written) bytes written to \(output)\n".utf8)) }
            return
        }
        let accountName = account, csv = format == "csv", statusFilter = statusWord, tagFilter = tag, campaignFilter = campaign
        let rows = try await database.withAccount(accountName, label: "herald.export") { store, account in
            var filter = MessageQuery(accountID: account.id, tag: tagFilter, since: range[0], until: range[1], campaignID: campaignFilter)
            if let statusFilter {
                filter.statuses = statusFilter.statuses
                if !statusFilter.isExactByStatus { filter.word = statusFilter }
            }
            return try await MessageExport(store: store, filter: filter, csv: csv, vocabulary: words, currency: PriceTable().currency)
                .stream { buffer in handle.write(Data(buffer.readableBytesView)) }
        }
        if output != nil { FileHandle.standardError.write(Data("\(rows) messages written to \(output!)\n".utf8)) }
    }
}
