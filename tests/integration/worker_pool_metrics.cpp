// The worker pool's metrics (metrics/worker_pool_metrics.hpp) over real
// sockets: busy workers and waiting jobs while blocking handlers are held, and
// the 503 a full queue gives.
#include "ringkit/metrics/worker_pool_metrics.hpp"

#include <doctest/doctest.h>

#include <condition_variable>
#include <mutex>
#include <string>

#include "integration/metrics_support.hpp"
#include "integration/support.hpp"
#include "ringkit/metrics/server_metrics.hpp"

using namespace ringkit;
using namespace ringkit::test;

TEST_SUITE("integration/worker_pool_metrics") {

TEST_CASE("busy, queued and refused for a full queue; back to 0 once the jobs are done") {
    counted_options m;
    auto& reg = m.reg;
    auto& o = m.opts;
    o.worker_threads = 1;
    o.queue_size = 1;
    std::mutex mutex;
    std::condition_variable changed;
    bool release = false;
    test_server srv(blocking([&](request&) {
                        std::unique_lock lock(mutex);
                        changed.wait(lock, [&] { return release; });
                        return response::text("done");
                    }),
                    o);
    CHECK(sample(reg, "ringkit_worker_pool_threads") == "1");
    CHECK(sample(reg, "ringkit_worker_pool_busy") == "0");

    raw_client running(srv.port()), waiting(srv.port()), refused(srv.port());
    REQUIRE(running.send(get("/")));
    REQUIRE(wait_until([&] { return sample(reg, "ringkit_worker_pool_busy") == "1"; }));
    REQUIRE(waiting.send(get("/")));
    REQUIRE(wait_until([&] { return sample(reg, "ringkit_worker_pool_queued") == "1"; }));
    CHECK(sample(reg, "ringkit_worker_pool_rejected_total") == "0");
    REQUIRE(refused.send(get("/")));
    CHECK(refused.read_response().status == 503);  // one worker, one place in the queue: full
    CHECK(sample(reg, "ringkit_worker_pool_rejected_total") == "1");
    CHECK(sample(reg, "ringkit_worker_pool_busy") == "1");

    {
        std::lock_guard lock(mutex);
        release = true;
    }
    changed.notify_all();
    CHECK(running.read_response().body == "done");
    CHECK(waiting.read_response().body == "done");
    REQUIRE(wait_until([&] { return sample(reg, "ringkit_worker_pool_busy") == "0"; }));
    CHECK(sample(reg, "ringkit_worker_pool_queued") == "0");
    CHECK(sample(reg, "ringkit_http_requests_total{method=\"GET\",class=\"5xx\"}") == "1");
}

TEST_CASE("a pool attached while it lives: gone with its server") {
    counted_options m;
    auto& reg = m.reg;
    auto& o = m.opts;
    o.worker_threads = 3;
    {
        test_server a([](request&) { return response::text("a"); }, o),
            b([](request&) { return response::text("b"); }, o);
        CHECK(sample(reg, "ringkit_worker_pool_threads") == "6");  // servers sharing the metrics add up
    }
    CHECK(sample(reg, "ringkit_worker_pool_threads") == "0");
}

}  // TEST_SUITE
