public import VenueKit

extension CPluginClient: VenueMarketData {
    /// Quotes and stream state for `symbols` from the venue's SignalR hub (``CPluginHub``): one hub connection per
    /// client carries every stream; it is reopened and resubscribed after a drop or 30 s of silence. The stream ends
    /// only when cancelled or when the credentials are definitively refused.
    public func marketEvents(for symbols: Set<String>) -> AsyncThrowingStream<VenueMarketEvent, any Error> {
        self.hub.events(for: symbols)
    }
}
