import Hummingbird
import NIOCore

/// Request context of every simulated venue: Hummingbird's core context plus the connection, so that a fault can
/// close it without a response.
struct VenueRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
