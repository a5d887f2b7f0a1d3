import AsyncHTTPClient
import Foundation
import NIOCore
import Logging
import Messages
import NIOHTTP1
public import VenueKit

/// Magnr's key pair as session material: the token value `public:private` (a public key has no colon: it is the
/// user part of HTTP Basic authentication).
public enum MagnrKeys {
    /// A fixed key pair as a token source (tests and tools; the services take the pair from the broker's grants).
    public static func source(publicKey: String, privateKey: VenueSecret) -> VenueTokenCache {
        VenueTokenCache { () async throws(VenueError) in (self.material(publicKey: publicKey, privateKey: privateKey), nil) }
    }

    /// The token value for a key pair.
    public static func material(publicKey: String, privateKey: VenueSecret) -> VenueSecret {
        VenueSecret("\(publicKey):\(privateKey.value)")
    }

    /// The key pair in a token value.
    static func split(_ token: VenueToken) throws -> (publicKey: String, privateKey: String) {
        guard let colon = token.value.value.firstIndex(of: ":") else { throw KeyFormatError() }
        return (String(token.value.value[..<colon]), String(token.value.value[token.value.value.index(after: colon)...]))
    }

    struct KeyFormatError: Error {}
}

extension MagnrClient {
    /// One signed request, in order after every earlier one of this client. A 400 naming the tonce is repeated once
    /// with a new tonce; a 401 once with the key source's newer keys.
    func signed(_ method: HTTPMethod, _ path: String, body: String?, repeatable: Bool) async -> VenueCallResult {
        let loop = VenueAuthorizedCall(
            tokens: self.keys, limiter: self.limiter, timeout: self.configuration.requestTimeout, retries: 2,
            tokenRefusedStatus: 401, http: self.http, logger: self.logger)
        let bytes = Array((body ?? "").utf8)
        return await self.gate.run {
            var tonceRepeated = false
            while true {
                let result = await loop.send(repeatable: repeatable) { token in
                    let (publicKey, privateKey) = try MagnrKeys.split(token)
                    let tonce = try await self.tonces.next()
                    var request = HTTPClientRequest(url: self.configuration.url(path))
                    request.method = method
                    request.headers.add(name: "Tonce", value: String(tonce))
                    request.headers.add(
                        name: "Authorization",
                        value: MagnrSignature.authorization(tonce: tonce, publicKey: publicKey, privateKey: privateKey, body: bytes))
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.headers.add(name: "Accept", value: "application/json")
                    if body != nil { request.body = .bytes(ByteBuffer(bytes: bytes)) }
                    return request
                }
                if case .response(let response) = result, response.status == 400, !tonceRepeated,
                    MagnrErrors.message(in: response.body).lowercased().contains("tonce")
                {
                    tonceRepeated = true
                    self.logger.notice("The venue refused the tonce; repeating with a new one")
                    continue
                }
                return result
            }
        }
    }

    /// A GET whose 200 body is `T`.
    func read<T: Decodable & Sendable>(_ path: String) async throws(VenueError) -> T {
        let result = await self.signed(.GET, path, body: nil, repeatable: true)
        switch result {
        case .failure(let outcome):
            let reason: String = switch outcome {
            case .rejected(let reason), .unknown(let reason): reason.message
            case .accepted: "unexpected"
            }
            throw VenueError(.unreachable, venue: self.venueID, reason: "GET \(path): \(reason)")
        case .response(let response) where response.status == 200:
            do {
                return try JSONDecoder().decode(T.self, from: Data(response.body.utf8))
            } catch {
                throw VenueError(.invalidResponse, venue: self.venueID, reason: "GET \(path): unreadable JSON")
            }
        case .response(let response):
            let code: VenueError.Code = switch response.status {
            case 401, 403: .unauthorized
            case 400, 404: .rejected
            default: .venueFailure
            }
            throw VenueError(code, venue: self.venueID, reason: "GET \(path): HTTP \(response.status): \(MagnrErrors.message(in: response.body))")
        }
    }
}
