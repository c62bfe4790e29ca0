/// The body of `query_sm`.
public struct SMPPQuery: Sendable, Hashable {
    public var messageID: String
    public var source: SMPPAddress

    public init(messageID: String, source: SMPPAddress) {
        self.messageID = messageID
        self.source = source
    }
}

/// The body of `query_sm_resp`.
public struct SMPPQueryResponse: Sendable, Hashable {
    public var messageID: String
    public var finalDate: String
    public var messageState: UInt8
    public var errorCode: UInt8

    public init(messageID: String, finalDate: String, messageState: UInt8, errorCode: UInt8) {
        self.messageID = messageID
        self.finalDate = finalDate
        self.messageState = messageState
        self.errorCode = errorCode
    }
}
