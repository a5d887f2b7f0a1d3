import Foundation

/// One observation behind the outcome of an in-doubt command (`evidence` of an `ExecutionReport`): which venue call
/// was made, what it showed, when, and which venue orders matched.
public struct ReportEvidence: Sendable, Hashable, Codable {
    /// The venue call, for example `open-orders`, `ctrader.reconcile`, `cplugin.idempotent-replay`, `deriv.portfolio`.
    public var check: String
    /// What it showed, for an operator.
    public var finding: String
    /// When the venue answered.
    public var observedAt: Timestamp
    /// Venue order ids that matched the command's fields (several when it was ambiguous).
    public var candidates: [String]

    /// Creates an observation.
    public init(check: String, finding: String, observedAt: Timestamp, candidates: [String] = []) {
        self.check = check
        self.finding = finding
        self.observedAt = observedAt
        self.candidates = candidates
    }

    /// Decodes and validates an observation.
    public init(from decoder: any Decoder) throws {
        let reader = try FieldReader(decoder)
        self.init(
            check: try reader.string("check"),
            finding: try reader.string("finding"),
            observedAt: try reader.timestamp("observedAt"),
            candidates: try reader.nested(ifPresent: "candidates", as: [String].self) ?? []
        )
        try self.validate(FieldRules(path: reader.path))
    }

    /// Validates and encodes an observation.
    public func encode(to encoder: any Encoder) throws {
        try self.validate(FieldRules(codingPath: encoder.codingPath))
        var writer = FieldWriter(encoder)
        try writer.put(self.check, "check")
        try writer.put(self.finding, "finding")
        try writer.put(self.observedAt, "observedAt")
        try writer.put(self.candidates.isEmpty ? nil : self.candidates, "candidates")
    }

    func validate(_ rules: FieldRules) throws(MessageError) {
        try rules.text(self.check, "check", length: 1...64)
        try rules.text(self.finding, "finding", length: 1...1000)
        guard self.candidates.count <= 50 else { throw rules.invalid("candidates", "at most 50 candidates") }
        for (index, candidate) in self.candidates.enumerated() {
            try rules.nested("candidates").text(candidate, String(index), length: 1...64)
        }
    }
}
