import CoverPayCore

/// Intuit's error body: `{"Fault": {"type": "ValidationFault", "Error": [{"Message", "Detail", "code", "element"}]}}`,
/// at the top of a failed response or inside one BatchItemResponse.
struct QBOFault {
    let type: String
    let errors: [(code: String, message: String, detail: String)]

    init?(_ document: JSONValue?) {
        guard let fault = document?["Fault"] else { return nil }
        type = fault["type"]?.stringValue ?? "Fault"
        errors = (fault["Error"]?.arrayValue ?? []).map { error in
            (error["code"]?.stringValue ?? error["code"]?.intValue.map(String.init) ?? "?",
             error["Message"]?.stringValue ?? "", error["Detail"]?.stringValue ?? "")
        }
    }

    /// Intuit's SystemFault is its own failure: the same request may pass later.
    var error: QBOError {
        let text = errors.map { "\($0.code) \($0.message)\($0.detail.isEmpty ? "" : ": \($0.detail)")" }.joined(separator: "; ")
        return QBOError(type == "SystemFault" ? .unavailable : .fault, "\(type) \(text.isEmpty ? "(no detail)" : text)")
    }
}
