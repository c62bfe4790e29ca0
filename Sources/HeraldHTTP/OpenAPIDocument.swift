import Foundation

/// The OpenAPI 3.1 document served at `/openapi.json` (the file `openapi.json` of this module).
public enum OpenAPIDocument {
    public static let data: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url) else {
            return Data("{}".utf8)
        }
        return data
    }()
}
