import Foundation
import Messages
import Testing

/// `TopicCatalogue` must equal `schemas/topics.json`.
@Suite struct TopicCatalogueTests {
    @Test func equalsTopicsJSON() throws {
        let url = Repo.schemas.appendingPathComponent("topics.json")
        let root = try #require(try Repo.jsonObject(at: url) as? [String: Any])
        let entries = try #require(root["topics"] as? [[String: Any]])
        let fromJSON = try entries.map { entry in
            let policyName = try #require(entry["cleanupPolicy"] as? String)
            let policy = try #require(CleanupPolicy(rawValue: policyName))
            let schema = try #require(entry["schema"] as? String)
            #expect(schema.hasSuffix(".v1.json"))
            return TopicSpec(
                name: try #require(entry["name"] as? String),
                key: try #require(entry["key"] as? String),
                partitions: try #require(entry["partitions"] as? Int),
                cleanupPolicy: policy,
                schemaName: String(schema.dropLast(".v1.json".count))
            )
        }
        #expect(fromJSON == TopicCatalogue.all)
    }

    @Test func staticsAreTheCatalogue() {
        let statics: [TopicSpec] = [
            TopicCatalogue.ordersCommands, TopicCatalogue.ordersReports, TopicCatalogue.ordersFills,
            TopicCatalogue.ordersState, TopicCatalogue.ordersControl, TopicCatalogue.ordersDLQ,
            TopicCatalogue.marketTicks, TopicCatalogue.authTokens, TopicCatalogue.authRefreshRequests,
            TopicCatalogue.authEvents, TopicCatalogue.venuesStatus, TopicCatalogue.marketSubscriptions,
        ]
        #expect(statics == TopicCatalogue.all)
        #expect(Set(TopicCatalogue.all.map(\.name)).count == TopicCatalogue.all.count)
        #expect(TopicCatalogue.topic(named: "orders.control")?.partitions == 1)
        #expect(TopicCatalogue.topic(named: "orders.nope") == nil)
    }

    @Test func everyTopicCarriesAKnownMessage() {
        for topic in TopicCatalogue.all {
            #expect(WireFormat.messageType(named: topic.schemaName) != nil, "\(topic.name)")
        }
        #expect(Set(TopicCatalogue.all.map(\.schemaName)) == Set(WireFormat.messageTypes.map { $0.schemaName }))
    }
}
