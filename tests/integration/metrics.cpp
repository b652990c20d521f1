// A real server's /metrics, fetched over a socket: the Content-Type, the counts
// the requests made, and `promtool check metrics` (Prometheus's own linter) on
// the body.
//
// promtool runs for real in the ctest entry metrics_promtool
// (tests/clients/CMakeLists.txt, RINGKIT_TEST_CLIENTS), which names it in
// RINGKIT_PROMTOOL and fails when it is missing (scripts/install-deps.sh installs
// the Debian package prometheus). Without that variable (the plain integration
// run) that part says so and checks nothing, as client_interop.cpp does.
#include "ringkit/metrics/handler.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "integration/support.hpp"
#include "ringkit/metrics/process.hpp"
#include "ringkit/metrics/server_metrics.hpp"

using namespace ringkit;
using namespace ringkit::test;

namespace metrics_integration_tests {

// What the test server counts: requests by path (a declared set) and a histogram.
struct app_metrics {
    metrics::registry reg;
    metrics::family<metrics::counter> requests =
        reg.add_counter("app_requests_total", "Requests by route, with \"quotes\" and a \\ in the help.",
                        {metrics::label{"route", {"/hello", "/metrics"}, "other"}});
    metrics::histogram sizes = reg.add_histogram("app_body_bytes", "Response body sizes.", {10, 100, 1000}).get();
    // The server's own (connections, answers, WebSockets, channels, the worker pool): promtool checks them too.
    const metrics::server_metrics server{reg};
    app_metrics() { metrics::add_process_metrics(reg); }
};

// Runs `promtool check metrics` on `text`; its exit status and what it said.
std::pair<int, std::string> promtool_check(const std::string& promtool, const std::string& text) {
    const auto dir = std::filesystem::temp_directory_path();
    const auto in = dir / ("ringkit-metrics-" + std::to_string(::getpid()) + ".txt");
    const auto out = dir / ("ringkit-metrics-" + std::to_string(::getpid()) + ".out");
    std::ofstream(in, std::ios::binary) << text;
    const std::string cmd = "'" + promtool + "' check metrics < '" + in.string() + "' > '" + out.string() + "' 2>&1";
    const int status = std::system(cmd.c_str());  // NOLINT(cert-env33-c): a test running the named tool
    std::ifstream said(out);
    std::string words{std::istreambuf_iterator<char>(said), std::istreambuf_iterator<char>()};
    std::filesystem::remove(in);
    std::filesystem::remove(out);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, words};
}

}  // namespace metrics_integration_tests

TEST_SUITE("integration/metrics") {

TEST_CASE("a real server's /metrics: Content-Type, the counts made, and promtool check metrics") {
    metrics_integration_tests::app_metrics m;
    const handler scrape = metrics_handler(m.reg);
    server_options counted;
    counted.metrics = &m.server;
    test_server srv(
        [&](request& req) -> task<response> {
            m.requests.at({req.uri}).inc();
            if (req.uri == "/metrics") co_return co_await scrape(req);
            auto r = response::text("hello");
            m.sizes.observe(5);
            co_return r;
        },
        counted);

    raw_client c(srv.port());
    for (int i = 0; i < 3; ++i) {
        REQUIRE(c.send(get("/hello")));
        CHECK(c.read_response().body == "hello");
    }
    REQUIRE(c.send(get("/users/42")));  // not a declared route: counted as "other"
    CHECK(c.read_response().body == "hello");
    REQUIRE(c.send(get("/metrics")));
    const auto r = c.read_response();
    CHECK(r.status == 200);
    CHECK(r.header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(r.body.find("\napp_requests_total{route=\"/hello\"} 3\n") != std::string::npos);
    CHECK(r.body.find("\napp_requests_total{route=\"other\"} 1\n") != std::string::npos);
    CHECK(r.body.find("\napp_body_bytes_bucket{le=\"10\"} 4\n") != std::string::npos);
    CHECK(r.body.find("\nprocess_open_fds ") != std::string::npos);
    CHECK(r.body.find("\nringkit_websocket_sessions_open{api=\"accept\"} 0\n") != std::string::npos);
    CHECK(r.body.find("\nringkit_worker_pool_threads ") != std::string::npos);

    const char* promtool = std::getenv("RINGKIT_PROMTOOL");
    if (promtool == nullptr || *promtool == '\0') {
        MESSAGE("RINGKIT_PROMTOOL not set: the ctest entry metrics_promtool runs this file with promtool");
        return;
    }
    // A pair, not a structured binding: clang 14's INFO lambda cannot capture one.
    const auto checked = metrics_integration_tests::promtool_check(promtool, r.body);
    INFO("promtool said: " << checked.second);
    CHECK(checked.first == 0);
    CHECK(checked.second.empty());  // no lint warning either

    // promtool must be able to fail here: a counter without _total is linted.
    const auto [bad_status, bad_said] = metrics_integration_tests::promtool_check(
        promtool, "# HELP app_requests Requests.\n# TYPE app_requests counter\napp_requests 1\n");
    CHECK(bad_status != 0);
    CHECK(bad_said.find("_total") != std::string::npos);
}

}  // TEST_SUITE
