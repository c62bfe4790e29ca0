import NIOCore
import NIOSSL

/// The TLS side of an SMTP connection, made once and shared by its connections: as a client, whom to trust and the
/// name the server's certificate must carry; as a server, its certificate and key.
public struct SMTPTLS: Sendable {
    private let context: NIOSSLContext
    /// The name the server certificate must be valid for (also sent as SNI). `nil` with an IP address: the
    /// certificate must name that address.
    public let serverHostname: String?
    private let isServer: Bool

    /// A client that verifies the server's certificate fully (chain and name): against `caFile` (PEM) when given,
    /// else the system's trust store. `host` is the name to verify: an IP address is checked against the
    /// certificate's IP addresses. `verify` false: any certificate is taken (opportunistic TLS, RFC 7435: encrypted
    /// against a passive listener, not authenticated).
    public static func client(host: String, caFile: String? = nil, verify: Bool = true) throws -> SMTPTLS {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = verify ? .fullVerification : .none
        configuration.minimumTLSVersion = .tlsv12
        if let caFile { configuration.trustRoots = .file(caFile) }
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        return SMTPTLS(context: try NIOSSLContext(configuration: configuration), serverHostname: isAddress ? nil : host, isServer: false)
    }

    /// A server with this certificate chain and key (PEM files).
    public static func server(certificateFile: String, keyFile: String) throws -> SMTPTLS {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem)))
        return SMTPTLS(context: try NIOSSLContext(configuration: configuration), serverHostname: nil, isServer: true)
    }

    /// The same trust, verifying another host's certificate (each MX of a domain has its own name).
    public func verifying(host: String) -> SMTPTLS {
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        return SMTPTLS(context: context, serverHostname: isAddress ? nil : host, isServer: isServer)
    }

    func clientHandler() throws -> NIOSSLClientHandler {
        precondition(!isServer)
        return try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
    }

    func serverHandler() -> NIOSSLServerHandler {
        precondition(isServer)
        return NIOSSLServerHandler(context: context)
    }

    /// An error from the pipeline in SMTP's words (TLS failures named as such).
    static func smtpError(_ error: any Error) -> SMTPError {
        switch error {
        case let error as SMTPError: error
        case is NIOSSLError, is NIOSSLExtraError, is BoringSSLError: .tls("\(error)")
        default: .connectionClosed("\(error)")
        }
    }
}
