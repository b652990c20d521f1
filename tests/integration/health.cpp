// Liveness and readiness over real sockets: /readyz answers 503 from the moment
// the watched server's stop() begins, while a request still holds the stop open.
#include "ringkit/server/health.hpp"

#include <doctest/doctest.h>

#include <future>

#include "integration/support.hpp"

using namespace ringkit;
using namespace ringkit::test;

TEST_SUITE("integration/health") {

TEST_CASE("readiness: 200 while running, 503 as soon as a graceful stop begins, liveness stays 200") {
    std::promise<void> entered;
    std::promise<void> release;
    auto released = release.get_future().share();
    releaser let_go{release};
    server_options opts;
    opts.threads = 1;
    test_server app(
        [&, released](request& req) -> task<response> {
            if (req.uri != "/slow") co_return response::text("fast");
            entered.set_value();
            // Held by the test (bounded by io_timeout), polled on a timer so the I/O thread stays free.
            asio::steady_timer t(co_await asio::this_coro::executor);
            const auto until = std::chrono::steady_clock::now() + io_timeout;
            while (released.wait_for(0s) != std::future_status::ready && std::chrono::steady_clock::now() < until) {
                t.expires_after(5ms);
                co_await t.async_wait(asio::use_awaitable);
            }
            co_return response::text("done");
        },
        opts);
    // The probes on an admin server of their own: the watched one stops accepting at once.
    const handler ready = readiness_handler(app.get());
    const handler live = liveness_handler();
    test_server admin([&](request& req) -> task<response> {
        if (req.uri == "/readyz") co_return co_await ready(req);
        co_return co_await live(req);
    });

    raw_client probe(admin.port());
    REQUIRE(probe.send(get("/readyz")));
    auto r = probe.read_response();
    CHECK(r.status == 200);
    CHECK(r.body == "ready");
    CHECK(r.header("cache-control") == "no-store");

    raw_client busy(app.port());
    REQUIRE(busy.send(get("/slow")));
    REQUIRE(entered.get_future().wait_for(io_timeout) == std::future_status::ready);
    auto stopped = std::async(std::launch::async, [&] { return app.stop(5s); });
    REQUIRE(wait_until([&] { return app.state() == server_state::stopping; }));

    REQUIRE(probe.send(get("/readyz")));
    r = probe.read_response();
    CHECK(r.status == 503);
    CHECK(r.body == "stopping");
    REQUIRE(probe.send(get("/healthz")));
    r = probe.read_response();
    CHECK(r.status == 200);
    CHECK(r.body == "ok");
    CHECK(stopped.wait_for(0s) == std::future_status::timeout);  // the request still holds the stop open

    release.set_value();
    CHECK(busy.read_response().body == "done");
    busy.close();
    REQUIRE(stopped.wait_for(io_timeout) == std::future_status::ready);
    CHECK(stopped.get());

    REQUIRE(probe.send(get("/readyz")));
    CHECK(probe.read_response().status == 503);  // stopped: still not ready
}

}  // TEST_SUITE
