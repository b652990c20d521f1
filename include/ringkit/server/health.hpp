// Health checks for a balancer or an orchestrator: liveness (the process
// answers) and readiness (this server wants new requests).
#pragma once

#include "ringkit/http/handler.hpp"
#include "ringkit/http/response.hpp"
#include "ringkit/server/server.hpp"

namespace ringkit {

/// 200 "ok" to every request: the process is alive enough to answer.
inline handler liveness_handler() {
    return [](request&) {
        auto r = response::text("ok");
        r.headers.add("Cache-Control", "no-store");
        return r;
    };
}

/// 200 "ready" while `watched` is running, 503 "stopping" from the moment its
/// stop() begins (server_state::stopping), so a balancer takes the instance out
/// while it drains. `watched` must outlive the server serving this handler (it
/// may be the same one, or an admin server on another port: stop() stops
/// accepting at once, so during the drain only another server's /readyz is
/// reachable by a new probe).
inline handler readiness_handler(const server& watched) {
    return [&watched](request&) {
        const bool ready = watched.state() == server_state::running;
        auto r = ready ? response::text("ready") : response::text("stopping", 503);
        r.headers.add("Cache-Control", "no-store");
        return r;
    };
}

}  // namespace ringkit
