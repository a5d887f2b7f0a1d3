import Foundation
import Testing
import VenueSimulator

/// CPlugin's identity face: discovery, `POST /connect/token` (RFC 6749 client credentials) and bearer checks.
/// Serialized: each test starts a simulator and runs many curl processes; run all at once on a small machine they
/// starve the timing-sensitive MT4Server ticker tests.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct CPluginOAuthTests {
    @Test func discoveryDocumentPointsAtTheTokenEndpointOfTheHostAsked() async throws {
        try await withSimulator { sim in
            let result = try await Curl.run([
                sim.cplugin + "/.well-known/openid-configuration", "-H", "Host: auth.example.test:9999",
            ])
            #expect(result.status == 200)
            let document = try #require(try JSONSerialization.jsonObject(with: result.body) as? [String: Any])
            #expect(document["issuer"] as? String == "http://auth.example.test:9999")
            #expect(document["token_endpoint"] as? String == "http://auth.example.test:9999/connect/token")
            #expect(document["grant_types_supported"] as? [String] == ["client_credentials"])
            #expect(document["scopes_supported"] as? [String] == ["webapi"])
            #expect(Set(document.keys) == ["issuer", "token_endpoint", "grant_types_supported", "scopes_supported"])
        }
    }

    @Test func clientCredentialsInTheFormOrInBasicGetABearerToken() async throws {
        try await withSimulator { sim in
            let form = try await sim.tokenRequest(CPluginDefaults.form)
            #expect(form.status == 200)
            #expect(form.headers["cache-control"] == "no-store")
            #expect(form.headers["content-type"] == "application/json; charset=utf-8")
            let answer = try #require(try JSONSerialization.jsonObject(with: form.body) as? [String: Any])
            #expect(Set(answer.keys) == ["access_token", "expires_in", "token_type", "scope"])
            #expect(answer["expires_in"] as? Int == 3_600)
            #expect(answer["token_type"] as? String == "Bearer")
            #expect(answer["scope"] as? String == "webapi")
            let token = try #require(answer["access_token"] as? String)
            #expect(token.count >= 32 && !token.contains(CPluginDefaults.clientSecret))

            let basic = try await sim.tokenRequest(
                "grant_type=client_credentials&scope=webapi",
                extra: ["-u", "\(CPluginDefaults.clientID):\(CPluginDefaults.clientSecret)"])
            #expect(basic.status == 200)
            let second = try #require(try JSONSerialization.jsonObject(with: basic.body) as? [String: Any])
            #expect(second["access_token"] as? String != token, "every token is new")
            #expect(try await sim.apiCall(token, "GET", "/ServerTime").status == 200)
            #expect(try await sim.cpluginStatus()["issuedTokens"] == 2)
        }
    }

    @Test func eachOAuthErrorIsAnsweredTheRFC6749Way() async throws {
        try await withSimulator { sim in
            let id = CPluginDefaults.clientID
            let secret = CPluginDefaults.clientSecret
            let cases: [(form: String, contentType: String?, status: Int, error: String)] = [
                ("grant_type=client_credentials&scope=webapi&client_id=\(id)&client_secret=wrong", nil, 400,
                 "invalid_client"),
                ("grant_type=client_credentials&scope=webapi&client_id=other&client_secret=\(secret)", nil, 400,
                 "invalid_client"),
                ("grant_type=password&scope=webapi&client_id=\(id)&client_secret=\(secret)", nil, 400,
                 "unsupported_grant_type"),
                ("grant_type=client_credentials&scope=openid&client_id=\(id)&client_secret=\(secret)", nil, 400,
                 "invalid_scope"),
                ("grant_type=client_credentials&scope=webapi&client_id=\(id)", nil, 400, "invalid_request"),
                ("scope=webapi&client_id=\(id)&client_secret=\(secret)", nil, 400, "invalid_request"),
                (CPluginDefaults.form, "application/json", 400, "invalid_request"),
                ("grant_type=client_credentials&grant_type=client_credentials&client_id=\(id)&client_secret=\(secret)",
                 nil, 400, "invalid_request"),
            ]
            for item in cases {
                let result = try await sim.tokenRequest(
                    item.form, contentType: item.contentType ?? "application/x-www-form-urlencoded")
                #expect(result.status == item.status, "\(item.form) \(item.contentType ?? "")")
                let body = try JSONSerialization.jsonObject(with: result.body) as? [String: Any]
                #expect(body?["error"] as? String == item.error, "\(item.form) \(item.contentType ?? "")")
                #expect(body?["error_description"] is String)
                #expect(result.headers["www-authenticate"] == nil)
            }
            let basic = try await sim.tokenRequest("grant_type=client_credentials", extra: ["-u", "\(id):wrong"])
            #expect(basic.status == 401)
            #expect(basic.headers["www-authenticate"] == "Basic")
            let body = try JSONSerialization.jsonObject(with: basic.body) as? [String: Any]
            #expect(body?["error"] as? String == "invalid_client")
            #expect(try await sim.cpluginStatus()["issuedTokens"] == 0)
        }
    }

    @Test func restWithoutAValidBearerTokenIs401WithoutABody() async throws {
        try await withSimulator { sim in
            let token = try await sim.cpluginToken()
            let cases: [[String]] = [
                [], ["-H", "Authorization: Bearer not-a-token"], ["-H", "Authorization: \(token)"],
                ["-H", "Authorization: Basic \(token)"],
            ]
            for headers in cases {
                let result = try await Curl.run([sim.api + "/ServerTime"] + headers)
                #expect(result.status == 401, "\(headers)")
                #expect(result.headers["www-authenticate"] == #"Bearer error="invalid_token""#)
                #expect(result.body.isEmpty)
            }
            let lowerCaseScheme = try await Curl.run([sim.api + "/ServerTime", "-H", "Authorization: bearer \(token)"])
            #expect(lowerCaseScheme.status == 200)
        }
    }

    @Test func expireTokensRevokesEveryIssuedToken() async throws {
        try await withSimulator { sim in
            let first = try await sim.cpluginToken()
            let second = try await sim.cpluginToken()
            #expect(try await sim.apiCall(first, "GET", "/ServerTime").status == 200)
            let action = try await sim.adminPost("/cplugin/faults", json: #"{"expireTokens":true}"#)
            #expect(action.status == 200)
            for token in [first, second] {
                let result = try await sim.apiCall(token, "GET", "/TradesGet")
                #expect(result.status == 401)
                #expect(result.headers["www-authenticate"] == #"Bearer error="invalid_token""#)
            }
            let fresh = try await sim.cpluginToken()
            #expect(try await sim.apiCall(fresh, "GET", "/TradesGet").status == 200)
        }
    }

    @Test func tokenTTLFaultShortensNewTokensWhichThenExpire() async throws {
        try await withSimulator { sim in
            let lasting = try await sim.cpluginToken()
            try await sim.adminPost("/cplugin/faults", json: #"{"tokenTTL":1}"#)
            let result = try await sim.tokenRequest(CPluginDefaults.form)
            let answer = try #require(try JSONSerialization.jsonObject(with: result.body) as? [String: Any])
            #expect(answer["expires_in"] as? Int == 1)
            let short = try #require(answer["access_token"] as? String)
            let expired = try await eventually(timeout: .seconds(30)) {
                try await sim.apiCall(short, "GET", "/ServerTime").status == 401
            }
            #expect(expired)
            #expect(try await sim.apiCall(lasting, "GET", "/ServerTime").status == 200)
        }
    }

    @Test func configuredLifetimeIsTheDefaultExpiresIn() async throws {
        try await withSimulator(configure: { $0.cplugin.tokenLifetime = 120 }) { sim in
            let result = try await sim.tokenRequest(CPluginDefaults.form)
            let answer = try #require(try JSONSerialization.jsonObject(with: result.body) as? [String: Any])
            #expect(answer["expires_in"] as? Int == 120)
        }
    }
}
