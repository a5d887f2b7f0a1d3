import ArgumentParser

/// `chaos`: the crash-and-fault suite (see `make chaos`).
@main
struct ChaosMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "chaos", abstract: "Crash and fault suite.")

    func run() async throws {
        throw ValidationError("not written yet")
    }
}
