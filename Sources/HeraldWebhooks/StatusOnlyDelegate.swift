import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// Keeps a callback response's status and drops its body as it arrives: Herald reads nothing else from a receiver's
/// answer, so however large the body, nothing is buffered and it cannot turn a 2xx into a failure.
final class StatusOnlyDelegate: HTTPClientResponseDelegate {
    typealias Response = HTTPResponseStatus

    private let status = Mutex<HTTPResponseStatus?>(nil)

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        status.withLock { $0 = head.status }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> HTTPResponseStatus {
        // A finished request always had a head; .internalServerError only if a server ended without one (then it failed).
        status.withLock { $0 } ?? .internalServerError
    }
}
