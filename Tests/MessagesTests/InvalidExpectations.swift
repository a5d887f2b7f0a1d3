import Messages

/// For every `schemas/examples/<message>/invalid-*.json`: the error code and pointer the Swift decoder must report.
/// This pins each invalid example to the one rule its file name states.
enum InvalidExpectations {
    struct Expectation: Sendable {
        var code: MessageError.Code
        var pointer: String
    }

    static let table: [String: Expectation] = {
        var table: [String: Expectation] = [:]
        func add(_ message: String, _ entries: [(String, MessageError.Code, String)]) {
            for (file, code, pointer) in entries {
                table["\(message)/invalid-\(file).json"] = Expectation(code: code, pointer: pointer)
            }
        }
        add(
            "order-command",
            [
                ("unknown-field-stopLos", .unknownField, "/stopLos"),
                ("quantity-is-number", .wrongType, "/quantity"),
                ("decimal-exponent", .invalidValue, "/quantity"),
                ("nan-price", .invalidValue, "/limitPrice"),
                ("empty-quantity", .invalidValue, "/quantity"),
                ("zero-quantity", .invalidValue, "/quantity"),
                ("decimal-leading-zero", .invalidValue, "/stopLoss"),
                ("schema-major-v2", .unsupportedSchema, "/schema"),
                ("timestamp-not-utc", .invalidValue, "/createdAt"),
                ("timestamp-month-13", .invalidValue, "/createdAt"),
                ("limit-without-price", .missingField, "/limitPrice"),
                ("stop-without-stop-price", .missingField, "/stopPrice"),
                ("market-with-limit-price", .invalidValue, "/limitPrice"),
                ("place-without-side", .missingField, "/side"),
                ("unknown-extension-protocol", .unknownField, "/extensions/binance"),
                ("extension-not-object", .invalidValue, "/extensions/ctrader"),
                ("missing-commandId", .missingField, "/commandId"),
                ("venue-uppercase", .invalidValue, "/venue"),
                ("unknown-action", .invalidValue, "/action"),
            ])
        add(
            "execution-report",
            [
                ("rejected-without-reason", .missingField, "/reason"),
                ("filled-quantity-negative", .invalidValue, "/filledQuantity"),
                ("unknown-status", .invalidValue, "/status"),
                ("fee-is-number", .wrongType, "/fee"),
                ("reason-code-not-snake-case", .invalidValue, "/reason/code"),
                ("missing-reportedAt", .missingField, "/reportedAt"),
                ("final-is-string", .wrongType, "/final"),
                ("unknown-final-without-evidence", .missingField, "/evidence"),
            ])
        add(
            "fill",
            [
                ("price-zero", .invalidValue, "/price"),
                ("quantity-is-number", .wrongType, "/quantity"),
                ("missing-venueOrderId", .missingField, "/venueOrderId"),
                ("side-long", .invalidValue, "/side"),
                ("fee-negative-zero", .invalidValue, "/fee"),
            ])
        add(
            "tick",
            [
                ("seq-zero", .invalidValue, "/seq"),
                ("bid-negative", .invalidValue, "/bid"),
                ("missing-ask", .missingField, "/ask"),
                ("venue-time-without-z", .invalidValue, "/venueTime"),
                ("decimal-too-many-fraction-digits", .invalidValue, "/last"),
            ])
        add(
            "token-grant",
            [
                ("sealed-not-base64", .invalidValue, "/sealed"),
                ("sealed-empty", .invalidValue, "/sealed"),
                ("version-zero", .invalidValue, "/version"),
                ("unknown-protocol", .invalidValue, "/protocol"),
                ("missing-keyId", .missingField, "/keyId"),
            ])
        add(
            "token-refresh-request",
            [
                ("unknown-field-priority", .unknownField, "/priority"),
                ("unknown-reason-expired", .invalidValue, "/reason"),
                ("stale-version-negative", .invalidValue, "/staleVersion"),
                ("requested-by-empty", .invalidValue, "/requestedBy"),
            ])
        add(
            "auth-event",
            [
                ("failed-without-error", .missingField, "/error"),
                ("unknown-kind", .invalidValue, "/kind"),
                ("version-zero", .invalidValue, "/version"),
                ("error-code-missing", .missingField, "/error/code"),
            ])
        add(
            "venue-status",
            [
                ("disconnected-without-reason", .missingField, "/reason"),
                ("unknown-status-up", .invalidValue, "/status"),
                ("reported-by-empty", .invalidValue, "/reportedBy"),
                ("time-leap-second", .invalidValue, "/time"),
            ])
        add(
            "control-command",
            [
                ("scope-not-venue-id", .invalidValue, "/scope"),
                ("unknown-field-venue", .unknownField, "/venue"),
                ("reason-empty", .invalidValue, "/reason"),
                ("unknown-action-pause", .invalidValue, "/action"),
                ("reason-too-long", .invalidValue, "/reason"),
                ("resolve-without-resolution", .missingField, "/resolution"),
                ("resolve-filled-without-price", .missingField, "/resolution/averagePrice"),
                ("resolution-on-halt", .invalidValue, "/resolution"),
            ])
        add(
            "market-subscription",
            [
                ("symbols-empty", .invalidValue, "/symbols"),
                ("symbols-repeated", .invalidValue, "/symbols"),
                ("unknown-action-pause", .invalidValue, "/action"),
                ("unknown-field-symbol", .unknownField, "/symbol"),
                ("symbol-with-space", .invalidValue, "/symbols/0"),
            ])
        add(
            "dead-letter",
            [
                ("payload-not-base64", .invalidValue, "/payload"),
                ("partition-negative", .invalidValue, "/original/partition"),
                ("pointer-without-leading-slash", .invalidValue, "/error/pointer"),
                ("missing-original-topic", .missingField, "/original/topic"),
                ("error-code-not-snake-case", .invalidValue, "/error/code"),
            ])
        add(
            "journal-entry",
            [
                ("intent-without-command", .missingField, "/command"),
                ("done-without-report", .missingField, "/report"),
                ("embedded-command-limit-without-price", .missingField, "/command/limitPrice"),
                ("embedded-command-unknown-field", .unknownField, "/command/comment"),
                ("attempt-zero", .invalidValue, "/attempt"),
                ("embedded-report-schema-mismatch", .schemaMismatch, "/report/schema"),
            ])
        return table
    }()
}
