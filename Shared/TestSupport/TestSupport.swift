public import Logging
public import ServiceLifecycle

/// Runs `services` in one `ServiceGroup` while `body` runs, then shuts them down gracefully (reverse order) and
/// waits for them. If `body` throws, the services are still shut down before the error is rethrown.
///
/// - Important: for tests and benchmarks only (this target is never imported by a service).
public func withRunningServices<R: Sendable>(
    _ services: [any Service], logger: Logger, _ body: () async throws -> R
) async throws -> R {
    let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let result = try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

/// Polls `condition` every `interval` until it holds or `timeout` passes; returns whether it held.
///
/// The default timeout is generous on purpose: it only matters when the condition never holds, and a loaded CI
/// machine must not turn a slow success into a failure. Speed is measured by benchmarks, not here.
public func eventually(
    timeout: Duration = .seconds(20), interval: Duration = .milliseconds(10), _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}
