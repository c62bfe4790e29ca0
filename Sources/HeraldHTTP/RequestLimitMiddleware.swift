import Hummingbird

/// Puts the request limits in the context and refuses, before reading it, a body whose `Content-Length` is over its
/// limit (413, naming the limit). Handlers read at most the limit either way (a body without a length).
/// Streamed uploads (`text/csv` and `multipart/form-data`) are checked by the handlers that read them whole.
struct RequestLimitMiddleware: RouterMiddleware {
    typealias Context = HeraldRequestContext
    let limits: RequestLimits

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.limits = limits
        if !RequestLimits.isUpload(contentType: request.headers[.contentType]),
           let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limits.requestBytes {
            throw RequestLimits.tooLarge(limits.requestBytes, size: length)
        }
        return try await next(request, context)
    }
}
