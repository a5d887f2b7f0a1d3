import Foundation
import Testing
import VenueSimulator

/// The Magnr face's request authentication (HMAC-SHA512 signature, then the tonce) and routing, over curl with
/// signatures computed by `openssl`.
/// Serialized: every call starts openssl and curl processes; the small test machine must not be flooded.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct MagnrAuthTests {
    /// The seed's shell recipe, run by bash as written except for: the upper-case `BUY` (the parameter table says
    /// `buy`, case-sensitive), the quoted `-d "$DATA"`, `-X POST` against the simulator, and `base64 -w 0` for
    /// `AUTH` (GNU `base64` wraps at 76 columns, and a header cannot carry a line break). The signature keeps the
    /// recipe's plain `base64`, so it carries a line break, which the venue ignores.
    static let seedRecipe = #"""
        set -eu
        TONCE=$(($(date +%s)*1000))
        PRIVKEY=`echo -e "$MAGNR_PRIVKEY"`
        PUBKEY=`echo -e "$MAGNR_PUBKEY"`
        DATA="{\"leverage\":10, \"side\":\"buy\", \"exchange\":\"Bitfinex\", \"pair\":\"BTCUSD\", \"stop_margin\":5, \"size\":0.2, \"take\":10}"
        SIG=`echo -en "$TONCE$PUBKEY$DATA" | openssl dgst -sha512 -hmac "$PRIVKEY" -binary | base64`
        AUTH=`echo -en "$PUBKEY:$SIG" | base64 -w 0`
        printf '%s' "$SIG" > "$SIG_FILE"
        curl -s -o "$BODY_FILE" -w '%{http_code}' "$MAGNR_URL/api/v1/trades/" \
          -X POST \
          -H "Content-Type: application/json" \
          -H "Accept: application/json" \
          -H "Authorization: Basic $AUTH" \
          -H "Tonce: $TONCE" \
          -d "$DATA"
        """#

    @Test func theSeedShellRecipeCreatesATrade() async throws {
        try await withSimulator { sim in
            let directory = FileManager.default.temporaryDirectory
            let body = directory.appendingPathComponent("magnr-recipe-\(UUID()).body")
            let signature = directory.appendingPathComponent("magnr-recipe-\(UUID()).sig")
            defer {
                try? FileManager.default.removeItem(at: body)
                try? FileManager.default.removeItem(at: signature)
            }
            let (status, output) = try await runProgram(
                ["bash", "-c", Self.seedRecipe],
                environment: [
                    "MAGNR_PRIVKEY": MagnrDefaults.privateKey, "MAGNR_PUBKEY": MagnrDefaults.publicKey,
                    "MAGNR_URL": sim.magnr, "BODY_FILE": body.path, "SIG_FILE": signature.path,
                ])
            try #require(status == 0, "the recipe failed with status \(status)")
            let answer = String(decoding: (try? Data(contentsOf: body)) ?? Data(), as: UTF8.self)
            #expect(String(decoding: output, as: UTF8.self) == "201", "\(answer)")
            #expect(answer == #"{"id":1001}"#)
            let sig = String(decoding: (try? Data(contentsOf: signature)) ?? Data(), as: UTF8.self)
            #expect(sig.contains("\n"), "GNU base64 wrapped the signature")
            let orders = try await sim.magnrOrders()
            try #require(orders.count == 1)
            #expect(orders[0]["broker"] as? String == "Bitfinex" && orders[0]["amount"] as? String == "0.2")
            let tonces = try sim.magnrVenue.acceptedTonces()
            #expect(tonces.count == 1 && tonces[0] % 1000 == 0, "the recipe's whole-second tonce: \(tonces)")
        }
    }

    @Test func aWrongSignatureIs401InvalidSignature() async throws {
        try await withSimulator { sim in
            let wrongKey = try await sim.magnrCall("GET", "/api/v1/trades/", privateKey: "not-the-private-key")
            #expect(wrongKey.status == 401)
            #expect(wrongKey.headers["content-type"] == "application/json")
            #expect(magnrErrors(wrongKey) == ["Invalid signature"])
            // Signed over one body, sent with another.
            let tonce = String(magnrTonces.next())
            let signedFor = try await magnrArguments(
                base: sim.magnr, "POST", "/api/v1/trades/", json: magnrTrade(size: "0.2"), tonce: tonce)
            let tampered = signedFor.map { $0 == magnrTrade(size: "0.2") ? magnrTrade(size: "2") : $0 }
            let result = try await Curl.run(tampered)
            #expect(result.status == 401 && magnrErrors(result) == ["Invalid signature"])
            // Signed with one tonce, sent with another.
            var arguments = try await magnrArguments(base: sim.magnr, "GET", "/api/v1/trades/")
            let index = try #require(arguments.firstIndex { $0.hasPrefix("Tonce: ") })
            arguments[index] = "Tonce: \(magnrTonces.next())"
            let otherTonce = try await Curl.run(arguments)
            #expect(otherTonce.status == 401 && magnrErrors(otherTonce) == ["Invalid signature"])
            #expect(try await sim.magnrOrders().isEmpty)
            #expect(try sim.magnrVenue.acceptedTonces().isEmpty, "no refused request records its tonce")
            #expect(try await sim.magnrStatus()["signatureRejections"] == 3)
        }
    }

    @Test func anUnknownMissingOrMalformedKeyIs401InvalidAPIKey() async throws {
        try await withSimulator { sim in
            let unknown = try await sim.magnrCall("GET", "/api/v1/trades/", publicKey: "someone-else")
            #expect(unknown.status == 401 && magnrErrors(unknown) == ["Invalid API key"])
            let noColon = "Basic " + Data("sim-magnr-pub".utf8).base64EncodedString()
            for authorization in ["Bearer abc", "Basic !!!", noColon, "Basic"] {
                let result = try await sim.magnrCall("GET", "/api/v1/trades/", authorization: authorization)
                #expect(result.status == 401 && magnrErrors(result) == ["Invalid API key"], "\(authorization)")
            }
            let missing = try await Curl.run([sim.magnr + "/api/v1/trades/", "-H", "Tonce: \(magnrTonces.next())"])
            #expect(missing.status == 401 && magnrErrors(missing) == ["Invalid API key"])
            #expect(try await sim.magnrStatus()["signatureRejections"] == 6)
            #expect(try await sim.magnrStatus()["tonceRejections"] == 0)
        }
    }

    @Test func theSameRequestSentTwiceIsARefusedReplay() async throws {
        try await withSimulator { sim in
            let arguments = try await magnrArguments(base: sim.magnr, "GET", "/api/v1/trades/")
            let first = try await Curl.run(arguments)
            #expect(first.status == 200 && first.text == #"{"trades":[]}"#)
            let again = try await Curl.run(arguments)
            #expect(again.status == 400)
            #expect(magnrErrors(again) == ["Tonce must be greater than the last one used (replay refused)"])
            let accepted = try sim.magnrVenue.acceptedTonces()
            try #require(accepted.count == 1)
            let lower = try await sim.magnrCall("GET", "/api/v1/trades/", tonce: String(accepted[0] - 1))
            #expect(lower.status == 400 && magnrErrors(lower)?.first?.contains("Tonce") == true)
            let replayedCreate = try await magnrArguments(
                base: sim.magnr, "POST", "/api/v1/trades/", json: magnrTrade())
            #expect(try await Curl.run(replayedCreate).status == 201)
            #expect(try await Curl.run(replayedCreate).status == 400)
            #expect(try await sim.magnrOrders().count == 1, "a replayed create books nothing")
            #expect(try sim.magnrVenue.acceptedTonces().count == 2)
            #expect(try await sim.magnrStatus()["tonceRejections"] == 3)
        }
    }

    @Test func aTonceOutsideTheWindowIsRefused() async throws {
        try await withSimulator { sim in
            let now = MagnrTonces.nowMilliseconds()
            for tonce in [now - 400_000, now + 400_000, 0, -now] {
                let result = try await sim.magnrCall("GET", "/api/v1/trades/", tonce: String(tonce))
                #expect(result.status == 400, "\(tonce)")
                #expect(magnrErrors(result) == ["Tonce is outside the allowed window"], "\(tonce)")
            }
            #expect(try sim.magnrVenue.acceptedTonces().isEmpty)
            let inside = now - 200_000
            let accepted = try await sim.magnrCall("GET", "/api/v1/trades/", tonce: String(inside))
            #expect(accepted.status == 200)
            #expect(try sim.magnrVenue.acceptedTonces() == [inside])
            #expect(try await sim.magnrStatus()["tonceRejections"] == 4)
        }
    }

    @Test func aMissingOrNonIntegerTonceIsRefused() async throws {
        try await withSimulator { sim in
            let missing = try await sim.magnrCall("GET", "/api/v1/trades/", sendsTonce: false)
            #expect(missing.status == 400)
            #expect(magnrErrors(missing) == ["Tonce header is required and must be an integer (milliseconds)"])
            for tonce in ["abc", "1.7e12", "\(MagnrTonces.nowMilliseconds()).5", "99999999999999999999"] {
                let result = try await sim.magnrCall("GET", "/api/v1/trades/", tonce: tonce)
                #expect(result.status == 400, "\(tonce)")
                #expect(magnrErrors(result)?.first?.hasPrefix("Tonce header is required") == true, "\(tonce)")
            }
            #expect(try await sim.magnrStatus()["tonceRejections"] == 5)
        }
    }

    @Test func unknownPathsAre404AndOtherMethods405BeforeAuthentication() async throws {
        try await withSimulator { sim in
            for path in [
                "/api/v1/trades", "/api/v1/trades/1001", "/api/v1/trades/1001/x/", "/api/v1/Trades/", "/api/v2/trades/",
                "/", "/api/v1/", "/api/v1/trades//",
            ] {
                let result = try await Curl.run([sim.magnr + path])
                #expect(result.status == 404, "\(path)")
                #expect(result.text == #"{"errors":["Not found"]}"#, "\(path)")
            }
            let signedButUnknown = try await sim.magnrCall("GET", "/api/v1/balance/")
            #expect(signedButUnknown.status == 404)
            let put = try await Curl.run(["-X", "PUT", sim.magnr + "/api/v1/trades/"])
            #expect(put.status == 405 && put.text == #"{"errors":["Method not allowed"]}"#)
            #expect(put.headers["allow"] == "GET, POST")
            let post = try await Curl.run(["-X", "POST", sim.magnr + "/api/v1/trades/1001/", "--data-raw", "{}"])
            #expect(post.status == 405 && post.headers["allow"] == "GET, DELETE")
            #expect(try sim.magnrVenue.acceptedTonces().isEmpty, "a 404 or 405 uses up no tonce")
            let status = try await sim.magnrStatus()
            #expect(status["signatureRejections"] == 0 && status["tonceRejections"] == 0)
        }
    }
}
