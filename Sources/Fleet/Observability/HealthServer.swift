import FlyingFox
import Foundation
import Prometheus
import ServiceLifecycle

/// `/metrics` (Prometheus text), `/health/live` and `/health/ready` on the worker's own port.
struct HealthServer: Service {
    let port: UInt16
    let readiness: Readiness
    let registry: PrometheusCollectorRegistry

    func run() async throws {
        let server = HTTPServer(port: port, logger: .disabled)
        await server.appendRoute("GET /health/live") { _ in
            HTTPResponse(statusCode: .ok, body: Data("live\n".utf8))
        }
        await server.appendRoute("GET /health/ready") { [readiness] _ in
            readiness.isReady
                ? HTTPResponse(statusCode: .ok, body: Data("ready\n".utf8))
                : HTTPResponse(statusCode: .serviceUnavailable, body: Data("not ready: \(readiness.notReady.joined(separator: ", "))\n".utf8))
        }
        await server.appendRoute("GET /metrics") { [registry] _ in
            HTTPResponse(
                statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: Data(registry.emitToBuffer())
            )
        }
        let stopping = StopSignal()
        do {
            try await withGracefulShutdownHandler {
                try await server.run()
            } onGracefulShutdown: {
                stopping.set()
                Task { await server.stop(timeout: 1) }
            }
        } catch where stopping.isSet {
            // FlyingFox reports its own stop as "disconnected"; on shutdown that is the expected end.
        }
    }
}
