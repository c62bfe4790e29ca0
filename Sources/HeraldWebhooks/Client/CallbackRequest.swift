import NIOCore
import NIOHTTP1

/// One callback POST, ready to write: the head (target, `Host`, headers with `Content-Length`) and the body.
struct CallbackRequest: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer

    init(url: CallbackURL, headers extra: [(String, String)], body: ByteBuffer) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(extra.count + 2)
        headers.add(name: "Host", value: url.hostHeader)
        for (name, value) in extra { headers.add(name: name, value: value) }
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        head = HTTPRequestHead(version: .http1_1, method: .POST, uri: url.target, headers: headers)
        self.body = body
    }
}

/// A request handed to a connection's channel, with the promise its response completes.
struct CallbackTask: Sendable {
    var request: CallbackRequest
    var deadline: NIODeadline
    var timeout: TimeAmount
    var promise: EventLoopPromise<CallbackResponse>
}

/// What a finished request tells the pool: the status, and whether the connection may carry another request.
struct CallbackResponse: Sendable {
    var status: HTTPResponseStatus
    var reusable: Bool
}
