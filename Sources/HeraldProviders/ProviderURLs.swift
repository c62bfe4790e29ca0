import HeraldConnectors

/// The addresses providers call Herald back at: `{public-url}/v1/providers/{connector}/status` and `/inbound`.
public enum ProviderURLs {
    public static func url(publicURL: String, connector: String, kind: ProviderCallback.Kind) -> String {
        let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        return "\(base)/v1/providers/\(connector)/\(kind.rawValue)"
    }
}
