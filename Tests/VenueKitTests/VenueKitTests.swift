import AsyncHTTPClient
import Foundation
import Messages
import NIOHTTP1
import Synchronization
import Testing
@testable import VenueKit

/// Counts logins and hands out numbered tokens.
private final class LoginCounter: Sendable {
    let count = Mutex(0)
    let delay: Duration
    let lifetime: TimeInterval?

    init(delay: Duration = .milliseconds(50), lifetime: TimeInterval? = nil) {
        self.delay = delay
        self.lifetime = lifetime
    }

    func login() async throws(VenueError) -> (VenueSecret, Date?) {
        let number = self.count.withLock { $0 += 1; return $0 }
        try? await Task.sleep(for: self.delay)
        return (VenueSecret("token-\(number)"), self.lifetime.map { Date().addingTimeInterval($0) })
    }
}

@Suite(.timeLimit(.minutes(3)))
struct VenueTokenCacheTests {
    @Test func concurrentCallersShareOneLogin() async throws {
        let logins = LoginCounter()
        let cache = VenueTokenCache { () async throws(VenueError) in try await logins.login() }
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await cache.currentToken().value.value } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(tokens == ["token-1"])
        #expect(logins.count.withLock { $0 } == 1)
    }

    @Test func aRejectedTokenIsReplacedOnceEvenWhenManyCallersReportIt() async throws {
        let logins = LoginCounter()
        let cache = VenueTokenCache { () async throws(VenueError) in try await logins.login() }
        let first = try await cache.currentToken()
        let replacements = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<10 { group.addTask { try await cache.tokenRejected(first).value.value } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(replacements == ["token-2"])
        #expect(logins.count.withLock { $0 } == 2)
        // A late report about the old token does not throw away the new one.
        #expect(try await cache.tokenRejected(first).value.value == "token-2")
    }

    @Test func aTokenIsRefreshedBeforeItExpires() async throws {
        let logins = LoginCounter(delay: .zero, lifetime: 10)
        let cache = VenueTokenCache(refreshMargin: .seconds(30)) { () async throws(VenueError) in try await logins.login() }
        _ = try await cache.currentToken()
        _ = try await cache.currentToken()  // expires within the margin: replaced
        #expect(logins.count.withLock { $0 } == 2)

        let longLived = LoginCounter(delay: .zero, lifetime: 3600)
        let stable = VenueTokenCache(refreshMargin: .seconds(30)) { () async throws(VenueError) in try await longLived.login() }
        _ = try await stable.currentToken()
        _ = try await stable.currentToken()
        #expect(longLived.count.withLock { $0 } == 1)
    }

    @Test func aFailedLoginReachesEveryWaiterAndTheNextCallTriesAgain() async throws {
        let attempts = Mutex(0)
        let cache = VenueTokenCache { () async throws(VenueError) -> (VenueSecret, Date?) in
            let attempt = attempts.withLock { $0 += 1; return $0 }
            try? await Task.sleep(for: .milliseconds(20))
            if attempt == 1 { throw VenueError(.unauthorized, venue: "v", reason: "refused") }
            return (VenueSecret("ok"), nil)
        }
        await #expect(throws: VenueError.self) { _ = try await cache.currentToken() }
        #expect(try await cache.currentToken().value.value == "ok")
    }
}

@Suite
struct VenueBuildingBlockTests {
    @Test func backoffGrowsExponentiallyWithinItsCapAndResets() {
        var backoff = ExponentialBackoff(initial: .milliseconds(100), maximum: .seconds(1), random: { $0.upperBound })
        let delays = (0..<6).map { _ in backoff.next() }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)])
        backoff.reset()
        #expect(backoff.next() == .milliseconds(100))
        var jittered = ExponentialBackoff(initial: .milliseconds(100), maximum: .seconds(1))
        for _ in 0..<50 { #expect(jittered.next() <= .seconds(1)) }
    }

    @Test func rateLimiterSpacesRequestsBeyondTheBurst() async throws {
        let limiter = VenueRateLimiter(rate: 50, burst: 5)
        let started = ContinuousClock.now
        for _ in 0..<15 { try await limiter.acquire() }
        // 5 immediately, 10 more at 50/s: at least ~200 ms.
        #expect(ContinuousClock.now - started >= .milliseconds(180))
    }

    @Test func symbolRulesRefuseQuoteOnlyAndUnknownSymbols() {
        let rules = VenueSymbolRules(tradable: ["BTCUSD"], quoteOnly: ["XRPUSD"])
        #expect(rules.tradingRefusal(for: "BTCUSD") == nil)
        #expect(rules.tradingRefusal(for: "XRPUSD")?.code == "symbol_quote_only")
        #expect(rules.tradingRefusal(for: "DOGEUSD")?.code == "symbol_unknown")
    }

    @Test func secretsNeverPrintThemselves() {
        let secret = VenueSecret("sim-mt4-api-key")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        let error = VenueError(.unauthorized, venue: "mt4-demo", reason: "login refused")
        #expect(!error.description.contains("sim-mt4-api-key"))
    }
}

@Suite(.timeLimit(.minutes(3)))
struct VenueHTTPClassificationTests {
    /// A socket that accepts connections (kernel backlog) but never answers.
    private func silentListener() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = listen(fd, 16)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    @Test func aRefusedConnectionIsNotSentAndASilentVenueIsMaybeSent() async throws {
        let (fd, port) = try self.silentListener()
        let http = VenueHTTP()
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/orders")
        request.method = .POST
        let silent = await #expect(throws: VenueTransportFailure.self) {
            _ = try await http.execute(request, timeout: .milliseconds(500))
        }
        if case .maybeSent = silent {} else { Issue.record("a request to a silent venue may have arrived: \(String(describing: silent))") }
        close(fd)  // now nothing listens on the port
        let refused = await #expect(throws: VenueTransportFailure.self) {
            _ = try await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/orders"), timeout: .seconds(2))
        }
        if case .notSent = refused {} else { Issue.record("a refused connection never sent the request: \(String(describing: refused))") }
    }
}

@Suite(.timeLimit(.minutes(3)))
struct GrantTokenSourceTests {
    private func grant(_ version: Int, token: String, expiresIn: TimeInterval? = nil) -> VenueSessionGrant {
        VenueSessionGrant(
            venue: "mt4-demo", version: version, material: .mt4server(jwt: VenueSecret(token)), issuedAt: Date(),
            expiresAt: expiresIn.map { Date().addingTimeInterval($0) })
    }

    /// Records the refresh requests a source makes.
    final class Requests: Sendable {
        private let versions = Mutex<[Int]>([])
        func append(_ version: Int) { self.versions.withLock { $0.append(version) } }
        var all: [Int] { self.versions.withLock { $0 } }
    }

    private func makeSource(requests: Requests, timeout: Duration = .seconds(2)) -> GrantTokenSource {
        GrantTokenSource(
            venue: "mt4-demo", waitTimeout: timeout,
            extract: { material in if case .mt4server(let jwt) = material { jwt } else { nil } },
            requestRefresh: { stale in requests.append(stale) })
    }

    @Test func aCallerWaitsForTheFirstGrant() async throws {
        let requests = Requests()
        let source = self.makeSource(requests: requests)
        async let token = source.currentToken()
        try await Task.sleep(for: .milliseconds(50))
        #expect(await source.apply(self.grant(1, token: "jwt-1")))
        #expect(try await token.value.value == "jwt-1")
        #expect(requests.all.isEmpty)
    }

    @Test func aRejectedTokenAsksForRefreshOnceAndResumesWithTheNewerGrant() async throws {
        let requests = Requests()
        let source = self.makeSource(requests: requests, timeout: .seconds(10))
        await source.apply(self.grant(1, token: "jwt-1"))
        let old = try await source.currentToken()
        let replacements = Task {
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<5 { group.addTask { try await source.tokenRejected(old).value.value } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
        }
        // Wait (bounded) until the callers have asked; under load this can take a while.
        let deadline = ContinuousClock.now + .seconds(5)
        while requests.all.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(requests.all == [1], "one refresh request for version 1, however many callers")
        #expect(await !source.apply(self.grant(1, token: "jwt-1-replayed")), "an old version is never applied")
        await source.apply(self.grant(2, token: "jwt-2"))
        #expect(try await replacements.value == Array(repeating: "jwt-2", count: 5))
    }

    @Test func anExpiredGrantIsNotUsedAndNoGrantInTimeIsUnauthorized() async throws {
        let requests = Requests()
        let source = self.makeSource(requests: requests, timeout: .milliseconds(300))
        await source.apply(self.grant(1, token: "jwt-1", expiresIn: -1))
        let error = await #expect(throws: VenueError.self) { _ = try await source.currentToken() }
        #expect(error?.code == .unauthorized)
        #expect(requests.all == [1])
        #expect(error?.description.contains("jwt-1") == false)
    }
}
