// The server's own metrics (metrics/server_metrics.hpp) over real sockets:
// connections accepted, open and refused, answers by method and status class.
#include "ringkit/metrics/server_metrics.hpp"

#include <doctest/doctest.h>

#include <string>

#include "integration/metrics_support.hpp"
#include "integration/support.hpp"

using namespace ringkit;
using namespace ringkit::test;

TEST_SUITE("integration/server_metrics") {

TEST_CASE("connections accepted, open and refused; answers by method and status class") {
    metrics::registry reg;
    const metrics::server_metrics counted(reg);
    server_options opts;
    opts.metrics = &counted;
    opts.max_connections = 2;
    test_server srv(
        [](request& req) {
            if (req.uri == "/missing") return response::not_found();
            return response::text("ok");
        },
        opts);

    {
        raw_client a(srv.port());
        REQUIRE(a.send(get("/")));
        CHECK(a.read_response().status == 200);
        REQUIRE(a.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
        CHECK(a.read_response().status == 200);
        REQUIRE(a.send(get("/missing")));
        CHECK(a.read_response().status == 404);
        REQUIRE(a.send("PROPFIND / HTTP/1.1\r\nHost: x\r\n\r\n"));
        CHECK(a.read_response().status == 200);
        raw_client b(srv.port());
        REQUIRE(b.send(get("/")));
        CHECK(b.read_response().status == 200);
        CHECK(sample(reg, "ringkit_connections_open") == "2");
        raw_client c(srv.port());  // the third: refused with a 503
        CHECK(c.read_response().status == 503);
    }
    REQUIRE(wait_for_connections(srv));
    CHECK(sample(reg, "ringkit_connections_open") == "0");
    CHECK(sample(reg, "ringkit_connections_accepted_total") == "3");
    CHECK(sample(reg, "ringkit_connections_refused_total{reason=\"max_connections\"}") == "1");
    CHECK(sample(reg, "ringkit_http_requests_total{method=\"GET\",class=\"2xx\"}") == "2");
    CHECK(sample(reg, "ringkit_http_requests_total{method=\"GET\",class=\"4xx\"}") == "1");
    CHECK(sample(reg, "ringkit_http_requests_total{method=\"POST\",class=\"2xx\"}") == "1");
    CHECK(sample(reg, "ringkit_http_requests_total{method=\"OTHER\",class=\"2xx\"}") == "1");
    CHECK(sample(reg, "ringkit_http_requests_total{method=\"HEAD\",class=\"2xx\"}") == "0");
    CHECK_THROWS_AS(metrics::server_metrics{reg}, std::invalid_argument);  // one per registry
}

}  // TEST_SUITE
