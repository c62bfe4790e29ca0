import Foundation
import HeraldCore
import HeraldStore
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// One event of the feed as the API shows it.
struct FeedEventJSON: JSONWritable {
    var event: FeedEvent
    var vocabulary: Vocabulary

    func write(to writer: inout JSONWriter) {
        let event = event.event
        writer.object { writer in
            writer.field("cursor", self.event.cursor.description)
            writer.field("id", event.id)
            writer.field("message_id", event.messageID)
            writer.field("type", event.kind.rawValue)
            if let status = event.kind.assertedStatus, case .status = event.kind {
                writer.field("status", vocabulary.word(for: status, reason: event.effectiveReason))
            }
            writer.optionalField("part", event.part)
            writer.optionalField("reason", ReasonJSON(event.effectiveReason))
            writer.field("source", event.source.rawValue)
            writer.field("occurred_at", Timestamp.format(event.occurredAt))
            writer.field("recorded_at", Timestamp.format(event.recordedAt))
            writer.optionalField("connector", event.connector)
            writer.optionalField("provider_message_id", event.providerMessageID)
            writer.optionalField("attempt", event.attempt)
            writer.optionalField("next_attempt_at", event.nextAttemptAt.map(Timestamp.format))
            writer.optionalField("provider", event.detail)
        }
    }
}

extension HeraldAPI {
    /// `GET /v1/events?after=CURSOR&limit=N`: every event of the account after the cursor, in a total order that
    /// never changes behind a cursor once given (see ``FeedCursor``). `next` is the cursor to ask with next time.
    @Sendable func events(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let query = request.uri.queryParameters
        let after = try Self.cursor(query["after"].map(String.init), field: "after")
        let limit = try Self.limit(query["limit"].map(String.init), default: 100)
        let vocabulary = try Self.vocabulary(request)
        let page = try await store.feed(accountID: account.id, after: after, limit: limit)
        return Self.write { writer in
            writer.object { writer in
                writer.key("data")
                writer.array(page) { writer, event in FeedEventJSON(event: event, vocabulary: vocabulary).write(to: &writer) }
                writer.field("next", (page.last?.cursor ?? after).description)
            }
        }
    }

    /// `GET /v1/events/stream`: the same feed as Server-Sent Events, live. Each event's `id:` is its cursor, so a
    /// client that reconnects with `Last-Event-ID` (or `?after=`) resumes exactly after the last event it got.
    /// A comment line every 15 s keeps proxies from closing an idle stream; the stream ends when the server shuts down.
    @Sendable func eventStream(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let resume = request.headers[.lastEventID] ?? request.uri.queryParameters["after"].map(String.init)
        let start = try Self.cursor(resume, field: request.headers[.lastEventID] != nil ? "Last-Event-ID" : "after")
        let vocabulary = try Self.vocabulary(request)
        let store = self.store
        let poll = feedPollInterval
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var cursor = start
            var idle = Duration.zero
            try await writer.write(ByteBuffer(string: ": herald event stream\nretry: 2000\n\n"))
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                let page = try await store.feed(accountID: account.id, after: cursor, limit: 500)
                if page.isEmpty {
                    try? await Task.sleep(for: poll)
                    idle += poll
                    if idle >= .seconds(15) {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        idle = .zero
                    }
                    continue
                }
                idle = .zero
                var out = ByteBuffer()
                for event in page {
                    var json = JSONWriter(capacity: 512)
                    FeedEventJSON(event: event, vocabulary: vocabulary).write(to: &json)
                    out.writeString("id: \(event.cursor)\nevent: \(event.event.kind.rawValue)\ndata: ")
                    var body = json.buffer
                    out.writeBuffer(&body)
                    out.writeString("\n\n")
                }
                try await writer.write(out)
                cursor = page.last!.cursor
            }
            try await writer.finish(nil)
        })
    }

    static func cursor(_ text: String?, field: String) throws -> FeedCursor {
        guard let text, !text.isEmpty else { return .start }
        guard let cursor = FeedCursor(text) else {
            throw APIProblem.badQuery(field, "'\(text)' is not a feed cursor", fix: "use the cursor of the last event you received (e.g. 0_1234), or leave it out to start from the beginning")
        }
        return cursor
    }
}

extension HTTPField.Name {
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
