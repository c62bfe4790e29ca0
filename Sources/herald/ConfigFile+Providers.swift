import Foundation
import HeraldProviders

/// The HTTP provider connectors of the config file (docs/integrations/twilio.md).
extension ConfigFile {
    /// The `twilio` connectors, validated; `publicURL` is where Twilio calls back (`--public-url`).
    func twilioConnectors(publicURL: String?) throws -> [TwilioConfiguration] {
        try connectors.enumerated().filter { $0.element.type == "twilio" }.map { index, entry in
            let field = "connectors[\(index)]"
            try Self.checkProviderName(entry.name, field: field)
            guard let publicURL else {
                throw Problem(field: field, problem: "a twilio connector needs Herald's public address for Twilio's status callbacks",
                              fix: "start herald serve with --public-url https://your-herald.example.com (or HERALD_PUBLIC_URL)")
            }
            guard let sid = entry.account_sid, sid.hasPrefix("AC"), sid.count == 34, sid.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw Problem(field: field + ".account_sid", problem: "is missing or not an account SID",
                              fix: "copy the Account SID (AC followed by 32 hex digits) from the Twilio console")
            }
            let token = try Self.secret(entry.auth_token_env, field: field + ".auth_token_env", what: "the account's auth token", example: "TWILIO_AUTH_TOKEN")
            let base = try Self.baseURL(entry.base_url ?? "https://api.twilio.com", field: field + ".base_url")
            if let service = entry.messaging_service_sid, !(service.hasPrefix("MG") && service.count == 34) {
                throw Problem(field: field + ".messaging_service_sid", problem: "'\(service)' is not a messaging service SID", fix: "copy it (MG followed by 32 hex digits) from the Twilio console")
            }
            if let from = entry.from, from.isEmpty {
                throw Problem(field: field + ".from", problem: "is empty", fix: "give a Twilio number in E.164 (+15005550006) or an alphanumeric sender, or leave from out")
            }
            var configuration = TwilioConfiguration(name: entry.name, baseURL: base, accountSID: sid, authToken: token, from: entry.from,
                                                    messagingServiceSID: entry.messaging_service_sid, publicURL: publicURL)
            configuration.timeout = try Self.timeout(entry.timeout_ms, field: field) ?? configuration.timeout
            return configuration
        }
    }

    /// The `vonage` connectors, validated.
    func vonageConnectors(publicURL: String?) throws -> [VonageConfiguration] {
        try connectors.enumerated().filter { $0.element.type == "vonage" }.map { index, entry in
            let field = "connectors[\(index)]"
            try Self.checkProviderName(entry.name, field: field)
            guard let publicURL else {
                throw Problem(field: field, problem: "a vonage connector needs Herald's public address for Vonage's delivery receipts",
                              fix: "start herald serve with --public-url https://your-herald.example.com (or HERALD_PUBLIC_URL)")
            }
            guard let key = entry.api_key, !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw Problem(field: field + ".api_key", problem: "is missing or not an API key", fix: "copy the API key from the Vonage dashboard")
            }
            let signature = try Self.secret(entry.signature_secret_env, field: field + ".signature_secret_env",
                                            what: "the account's signature secret (Vonage refuses nothing unsigned: Herald checks every receipt's sig)",
                                            example: "VONAGE_SIGNATURE_SECRET")
            let secret = try entry.api_secret_env.map {
                try Self.secret($0, field: field + ".api_secret_env", what: "the account's API secret", example: "VONAGE_API_SECRET")
            }
            let method = try entry.signature_method.map { name in
                guard let method = VonageSignature.Method(rawValue: name) else {
                    throw Problem(field: field + ".signature_method", problem: "'\(name)' is not a signature method",
                                  fix: "use the one set in the Vonage dashboard: md5hash, md5, sha1, sha256 or sha512 (or leave it out to take any)")
                }
                return method
            }
            let base = try Self.baseURL(entry.base_url ?? "https://rest.nexmo.com", field: field + ".base_url")
            if let from = entry.from, from.isEmpty {
                throw Problem(field: field + ".from", problem: "is empty", fix: "give a Vonage number or an alphanumeric sender, or leave from out")
            }
            var configuration = VonageConfiguration(name: entry.name, baseURL: base, apiKey: key, apiSecret: secret, signatureSecret: signature,
                                                    signatureMethod: method, from: entry.from, publicURL: publicURL)
            configuration.timeout = try Self.timeout(entry.timeout_ms, field: field) ?? configuration.timeout
            return configuration
        }
    }

    /// The `whatsapp` connectors, validated.
    func whatsAppConnectors(publicURL: String?) throws -> [WhatsAppConfiguration] {
        try connectors.enumerated().filter { $0.element.type == "whatsapp" }.map { index, entry in
            let field = "connectors[\(index)]"
            try Self.checkProviderName(entry.name, field: field)
            guard publicURL != nil else {
                throw Problem(field: field, problem: "a whatsapp connector needs Herald's public address for Meta's webhook notifications",
                              fix: "start herald serve with --public-url https://your-herald.example.com (or HERALD_PUBLIC_URL)")
            }
            guard let phone = entry.phone_number_id, !phone.isEmpty, phone.allSatisfy(\.isNumber) else {
                throw Problem(field: field + ".phone_number_id", problem: "is missing or not a phone number ID", fix: "copy the Phone number ID (digits) from the WhatsApp Manager's API setup")
            }
            let token = try Self.secret(entry.access_token_env, field: field + ".access_token_env", what: "a WhatsApp access token (system user)", example: "WHATSAPP_ACCESS_TOKEN")
            let app = try Self.secret(entry.app_secret_env, field: field + ".app_secret_env", what: "the Meta app's secret (it signs every notification)", example: "WHATSAPP_APP_SECRET")
            let verify = try Self.secret(entry.verify_token_env, field: field + ".verify_token_env", what: "the verify token you typed into the app's webhook setup", example: "WHATSAPP_VERIFY_TOKEN")
            let version = entry.api_version ?? "v21.0"
            guard version.hasPrefix("v"), Double(version.dropFirst()) != nil else {
                throw Problem(field: field + ".api_version", problem: "'\(version)' is not a Graph API version", fix: "e.g. v21.0")
            }
            let base = try Self.baseURL(entry.base_url ?? "https://graph.facebook.com", field: field + ".base_url")
            var configuration = WhatsAppConfiguration(name: entry.name, baseURL: base, apiVersion: version, phoneNumberID: phone, accessToken: token,
                                                      appSecret: app, verifyToken: verify)
            configuration.timeout = try Self.timeout(entry.timeout_ms, field: field) ?? configuration.timeout
            return configuration
        }
    }

    /// `timeout_ms` of a provider connector: at least 100 (nil when not given).
    static func timeout(_ milliseconds: Int?, field: String) throws -> Duration? {
        guard let milliseconds else { return nil }
        guard milliseconds >= 100 else { throw Problem(field: field + ".timeout_ms", problem: "\(milliseconds) is too short", fix: "give at least 100") }
        return .milliseconds(Int64(milliseconds))
    }

    /// Provider connector names are part of the callback URL: letters, digits, `-` and `_`.
    static func checkProviderName(_ name: String, field: String) throws {
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw Problem(field: field + ".name", problem: "'\(name)' cannot be part of a callback URL",
                          fix: "use letters, digits, '-' and '_' (it names /v1/providers/{name}/status)")
        }
    }

    /// A secret read from the environment variable the config names (never written in the file itself).
    static func secret(_ variable: String?, field: String, what: String, example: String) throws -> String {
        guard let variable, !variable.isEmpty else {
            throw Problem(field: field, problem: "is missing", fix: "name the environment variable that holds \(what), e.g. \"\(example)\"")
        }
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
            throw Problem(field: field, problem: "the environment variable \(variable) is not set or empty", fix: "export \(variable) with \(what) before starting Herald")
        }
        return value
    }

    static func baseURL(_ text: String, field: String) throws -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", url.host?.isEmpty == false,
              url.query == nil, url.fragment == nil
        else {
            throw Problem(field: field, problem: "'\(text)' is not an http(s) URL", fix: "give the provider's API address, e.g. http://127.0.0.1:9001 for herald fake-provider")
        }
        return text
    }
}
