import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One blocking HTTP request through URLSession, for the sync job's thread (jobs are blocking loops).
struct HTTPExchange {
    struct Answer {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    static func send(_ request: URLRequest, session: URLSession) -> Result<Answer, any Error> {
        let done = DispatchSemaphore(value: 0)
        let outcome = OutcomeBox()
        session.dataTask(with: request) { data, response, error in
            if let error {
                outcome.set(.failure(error))
            } else if let response = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (key, value) in response.allHeaderFields { headers["\(key)"] = "\(value)" }
                outcome.set(.success(Answer(status: response.statusCode, headers: headers, body: Array(data ?? Data()))))
            } else {
                outcome.set(.failure(URLError(.badServerResponse)))
            }
            done.signal()
        }.resume()
        done.wait()
        return outcome.get()
    }

    private final class OutcomeBox: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Result<Answer, any Error> = .failure(URLError(.unknown))

        func set(_ result: Result<Answer, any Error>) { lock.withLock { value = result } }
        func get() -> Result<Answer, any Error> { lock.withLock { value } }
    }
}
