import Foundation
import HeraldCore
import HeraldJSON
import HeraldStore
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

extension EventJSON {
    /// One event of the feed: the event's one shape with its cursor.
    init(_ event: FeedEvent, vocabulary: Vocabulary) {
        self.init(event.event, vocabulary: vocabulary, position: .feed(cursor: event.cursor.description))
    }
}

extension HeraldAPI {
    /// `GET /v1/events?cursor=CURSOR&limit=N`: every event of the account after the cursor, in a total order that
    /// never changes behind a cursor once given (see ``FeedCursor``). `next_cursor` is the cursor to ask with next
    /// time, as in every list (`after` is the older name of the parameter and still read).
    @Sendable func events(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let query = request.uri.queryParameters
        let after = try Self.feedPosition(request, lastEventID: false) ?? .start
        let limit = try Self.limit(query["limit"].map(String.init), default: 100)
        let vocabulary = try Self.vocabulary(request)
        let page = try await store.feed(accountID: account.id, after: after, limit: limit)
        return Self.write { writer in
            writer.object { writer in
                writer.key("data")
                writer.array(page) { writer, event in EventJSON(event, vocabulary: vocabulary).write(to: &writer) }
                writer.field("next_cursor", (page.last?.cursor ?? after).description)
            }
        }
    }

    /// `GET /v1/events/stream`: the same feed as Server-Sent Events, live: without a position it starts at the
    /// account's latest event, so only new events come. Each event's `id:` is its cursor, so a client that reconnects
    /// with `Last-Event-ID` (or `?cursor=`) resumes exactly after the last event it got; `?replay=true` starts from the
    /// account's first event.
    /// A comment line every 15 s keeps proxies from closing an idle stream; the stream ends when the server shuts down.
    @Sendable public func eventStream(_ request: Request, context: HeraldRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let query = request.uri.queryParameters
        let given = try Self.feedPosition(request, lastEventID: true)
        let replay = try Self.flag(query["replay"].map(String.init), field: "replay")
        let start: FeedCursor
        if let given { start = given } else { start = replay ? .start : try await store.feedEnd(accountID: account.id) }
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
                    EventJSON(event, vocabulary: vocabulary).write(to: &json)
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

    /// Where a feed read starts, as the client gave it (nil: not given): `Last-Event-ID` (the stream), else `?cursor=`,
    /// else `?after=`, its older name. Both query names at once is a mistake, not a choice between them.
    static func feedPosition(_ request: Request, lastEventID: Bool) throws -> FeedCursor? {
        let query = request.uri.queryParameters
        if query["cursor"] != nil, query["after"] != nil {
            throw APIProblem.badQuery("after", "both cursor and after are given", fix: "give cursor only (after is its older name)")
        }
        let (text, field): (String?, String) =
            if lastEventID, let header = request.headers[.lastEventID] { (header, "Last-Event-ID") }
            else if let cursor = query["cursor"] { (String(cursor), "cursor") }
            else { (query["after"].map(String.init), "after") }
        guard let text else { return nil }
        return try cursor(text, field: field)
    }

    /// A `true`/`false` query flag (absent: false).
    static func flag(_ text: String?, field: String) throws -> Bool {
        switch text {
        case nil, "false", "0": return false
        case "true", "1", "": return true
        default: throw APIProblem.badQuery(field, "'\(text!)' is not true or false", fix: "write \(field)=true or leave it out")
        }
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
