import CoverPayCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where the newest refresh token lives: Intuit rotates it on refresh, and the old one stops
/// working once the new one has been used, so it must outlive the process (`gl.sync_state`).
protocol QBORefreshTokenStore {
    func current() throws -> String
    func replace(with token: String) throws
}

/// The access token, shared by every pass of one process (an hour long at Intuit).
public final class QBOAccessTokenCache: @unchecked Sendable {
    private let lock = NSLock()
    private var token: (value: String, expires: ContinuousClock.Instant)?

    var valid: String? {
        lock.withLock { token.flatMap { ContinuousClock.now < $0.expires ? $0.value : nil } }
    }

    func store(_ value: String, lifetime: Duration) {
        // Renewed a minute early so a request never leaves with a token about to expire.
        lock.withLock { token = (value, ContinuousClock.now + lifetime - .seconds(60)) }
    }

    func clear() { lock.withLock { token = nil } }

    public init() {}
}

/// A small QuickBooks Online Accounting API client: OAuth2 refresh-token grant and JournalEntry
/// create through the batch endpoint, `POST {base}/v3/company/{realm}/batch?minorversion=…&requestid=…`.
/// 429, 5xx and unanswered requests are retried with the same `requestid` (QuickBooks answers a
/// repeated requestid with its first answer, so a retry never creates twice), waiting Retry-After
/// or a doubling backoff; a 401 refreshes the access token once.
struct QBOClient {
    let settings: GLSyncSettings
    let cache: QBOAccessTokenCache
    let refreshTokens: any QBORefreshTokenStore
    let session: URLSession

    init(settings: GLSyncSettings, cache: QBOAccessTokenCache, refreshTokens: any QBORefreshTokenStore) {
        self.settings = settings
        self.cache = cache
        self.refreshTokens = refreshTokens
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Self.seconds(settings.timeout)
        session = URLSession(configuration: configuration)
    }

    /// Releases the session (one per pass, so a long-lived worker does not accumulate them).
    func close() { session.finishTasksAndInvalidate() }

    /// Sends one batch body; returns each BatchItemResponse by bId: the created JournalEntry's Id or its Fault.
    func createJournalEntries(batchBody: String, requestID: String) throws(QBOError) -> [String: Result<String, QBOError>] {
        let path = "\(settings.baseURL)/v3/company/\(settings.realmID)/batch?minorversion=\(settings.minorVersion)&requestid=\(requestID)"
        guard let url = URL(string: path) else { throw QBOError(.configuration, "COVERPAY_QBO_BASE_URL or the realm id does not make a URL") }
        let body = try withRetries { () -> Step in
            let token: String
            do throws(QBOError) { token = try accessToken() } catch { return error.isRetriable ? .retry(error, after: nil) : .failed(error) }
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            request.httpBody = Data(batchBody.utf8)
            return step(HTTPExchange.send(request, session: session), what: "batch request")
        }
        guard let items = body["BatchItemResponse"]?.arrayValue else {
            throw QBOFault(body)?.error ?? QBOError(.invalidResponse, "the batch answer has no BatchItemResponse")
        }
        var results: [String: Result<String, QBOError>] = [:]
        for item in items {
            guard let bid = item["bId"]?.stringValue else { continue }
            if let id = item["JournalEntry"]?["Id"]?.stringValue {
                results[bid] = .success(id)
            } else {
                results[bid] = .failure(QBOFault(item)?.error ?? QBOError(.invalidResponse, "item \(bid) holds neither a JournalEntry nor a Fault"))
            }
        }
        return results
    }

    /// What one HTTP exchange came to.
    enum Step {
        case answered(JSONValue)
        case retry(QBOError, after: Duration?)
        case tokenRejected
        case failed(QBOError)
    }

    /// Repeats the call while it asks for a retry, up to `maxAttempts`, waiting Retry-After or the
    /// doubling backoff; a rejected access token is refreshed once.
    private func withRetries(_ call: () -> Step) throws(QBOError) -> JSONValue {
        var wait = settings.backoff
        var attempt = 1
        var refreshed = false
        while true {
            switch call() {
            case .answered(let body):
                return body
            case .failed(let error):
                throw error
            case .tokenRejected:
                guard !refreshed else { throw QBOError(.authorizationFailed, "QuickBooks refused a freshly refreshed access token (HTTP 401)") }
                refreshed = true
                cache.clear()
                continue
            case .retry(let error, let after):
                guard attempt < settings.maxAttempts else { throw error }
                Thread.sleep(forTimeInterval: Self.seconds(after.map { min($0, .seconds(60)) } ?? wait))
            }
            attempt += 1
            wait = min(wait * 2, .seconds(60))
        }
    }

    /// Classifies an answer: 2xx with JSON is done; 429, 5xx and no answer are retried; 401 is a
    /// stale token; any other status is a Fault (or a bare status) that a retry would get again.
    private func step(_ result: Result<HTTPExchange.Answer, any Error>, what: String) -> Step {
        let answer: HTTPExchange.Answer
        switch result {
        case .failure(let error):
            return .retry(QBOError(.unavailable, "no answer to the \(what): \(Self.describe(error))"), after: nil)
        case .success(let value):
            answer = value
        }
        let document = try? JSONValue.parse(answer.body)
        let fault = QBOFault(document)
        switch answer.status {
        case 200..<300:
            guard let document else { return .failed(QBOError(.invalidResponse, "the \(what) answer is not JSON")) }
            return .answered(document)
        case 401:
            return .tokenRejected
        case 429:
            let after = answer.header("Retry-After").flatMap(Int.init).map { Duration.seconds($0) }
            return .retry(QBOError(.throttled, "HTTP 429 to the \(what)\(fault.map { ": \($0.error.message)" } ?? "")"), after: after)
        case 500..<600:
            return .retry(QBOError(.unavailable, "HTTP \(answer.status) to the \(what)\(fault.map { ": \($0.error.message)" } ?? "")"), after: nil)
        default:
            return .failed(fault.map { QBOError($0.error.code, "HTTP \(answer.status): \($0.error.message)") }
                ?? QBOError(.fault, "HTTP \(answer.status) to the \(what)"))
        }
    }

    /// The cached access token, or a new one from the refresh-token grant (RFC 6749 §6): client
    /// id and secret as HTTP Basic, the refresh token in the form body. Intuit answers with a new
    /// refresh token, stored before the access token is used.
    private func accessToken() throws(QBOError) -> String {
        if let token = cache.valid { return token }
        guard let url = URL(string: settings.tokenURL) else { throw QBOError(.configuration, "COVERPAY_QBO_TOKEN_URL is not a URL") }
        let refreshToken: String
        do { refreshToken = try refreshTokens.current() } catch { throw QBOError(.unavailable, "cannot read the stored refresh token: \(error)") }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        let credentials = Data("\(settings.clientID):\(settings.clientSecret)".utf8).base64EncodedString()
        request.setValue("Basic \(credentials)", forHTTPHeaderField: "Authorization")
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.httpBody = Data("grant_type=refresh_token&refresh_token=\(Self.formEncoded(refreshToken))".utf8)
        let answer: HTTPExchange.Answer
        switch HTTPExchange.send(request, session: session) {
        case .failure(let error): throw QBOError(.unavailable, "no answer from the token endpoint: \(Self.describe(error))")
        case .success(let value): answer = value
        }
        let document = try? JSONValue.parse(answer.body)
        guard (200..<300).contains(answer.status) else {
            // Only the OAuth `error` code is quoted: the body may echo nothing secret, but say less.
            let reason = document?["error"]?.stringValue ?? "HTTP \(answer.status)"
            let code: QBOError.Code = answer.status == 429 ? .throttled : answer.status >= 500 ? .unavailable : .authorizationFailed
            throw QBOError(code, "the token endpoint refused the refresh: \(reason)")
        }
        guard let access = document?["access_token"]?.stringValue, !access.isEmpty else {
            throw QBOError(.invalidResponse, "the token endpoint answered without an access_token")
        }
        if let rotated = document?["refresh_token"]?.stringValue, !rotated.isEmpty, rotated != refreshToken {
            do { try refreshTokens.replace(with: rotated) } catch { throw QBOError(.unavailable, "cannot store the rotated refresh token: \(error)") }
        }
        cache.store(access, lifetime: .seconds(document?["expires_in"]?.intValue ?? 3600))
        return access
    }

    /// An error's text without the URL (which carries the realm and requestid, harmless, but the
    /// transport's wording is enough).
    private static func describe(_ error: any Error) -> String {
        if let error = error as? URLError { return "URLError \(error.code.rawValue) (\(error.localizedDescription))" }
        return "\(type(of: error))"
    }

    private static func formEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
