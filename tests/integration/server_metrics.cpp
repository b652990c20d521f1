// The server's own metrics (metrics/server_metrics.hpp) over real sockets:
// connections accepted, open and refused, answers by method, status class and
// route template, their durations, bytes in and out, the server's own error
// answers and its timeouts by phase. Counts are read once the connections have
// ended: a connection counts its last bytes just before it ends.
#include "ringkit/metrics/server_metrics.hpp"

#include <doctest/doctest.h>

#include <string>
#include <thread>

#include "integration/metrics_support.hpp"
#include "integration/support.hpp"
#include "ringkit/routing/router.hpp"

using namespace ringkit;
using namespace ringkit::test;

TEST_SUITE("integration/server_metrics") {

TEST_CASE("connections accepted, open and refused; answers by method and status class") {
    counted_options m;
    auto& reg = m.reg;
    auto& opts = m.opts;
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
    // No router: every answer is route="unmatched", and so is each duration.
    CHECK(sample(reg, "ringkit_http_route_requests_total{route=\"unmatched\",class=\"2xx\"}") == "4");
    CHECK(sample(reg, "ringkit_http_route_requests_total{route=\"unmatched\",class=\"4xx\"}") == "1");
    CHECK(sample(reg, "ringkit_http_request_duration_seconds_count{route=\"unmatched\"}") == "5");
    CHECK_THROWS_AS(metrics::server_metrics{reg}, std::invalid_argument);  // one per registry
}

TEST_CASE("answers by route template, their durations, and the bytes in and out") {
    auto admin = router{GET("/users/:id", [](request&) { return response::text("admin"); })};
    auto app = router{
        GET("/users/:id", [](request& req) { return response::text("user " + std::string(path_param(req, "id"))); }),
        POST("/users/:id", [](request&) { return response::text("saved", 201); }),
        group("/api", {GET("/items", [](request&) { return response::text("items"); }),
                       GET("/fail", [](request&) { return response::text("no", 500); })}),
        GET("/undeclared", [](request&) { return response::text("x"); }),
        mount("/admin", admin),
    };
    const auto templates = app.templates();
    CHECK(templates == std::vector<std::string>{"/users/:id", "/api/items", "/api/fail", "/undeclared", "/admin"});
    metrics::server_metrics_options declared;
    declared.routes = {"/users/:id", "/api/items", "/api/fail", "/admin"};  // not /undeclared: "other"
    counted_options m(declared);
    auto& reg = m.reg;
    test_server srv(app, m.opts);

    std::size_t sent = 0, received = 0;
    {
        raw_client c(srv.port());
        auto ask = [&](const std::string& req, int status) {
            REQUIRE(c.send(req));
            sent += req.size();
            const auto r = c.read_response();
            CHECK(r.status == status);
            received += r.raw.size();
        };
        ask(get("/users/1"), 200);
        ask(get("/users/2"), 200);
        ask("POST /users/3 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 201);
        ask(get("/api/items"), 200);
        ask(get("/api/fail"), 500);
        ask(get("/undeclared"), 200);
        ask(get("/admin/users/7"), 200);  // the mounted router's route: counted as the mount's
        ask(get("/nowhere"), 404);        // no route: unmatched
        ask("DELETE /api/items HTTP/1.1\r\nHost: x\r\n\r\n", 405);  // the router's 405: unmatched too
    }
    REQUIRE(wait_for_connections(srv));
    CHECK(sample(reg, "ringkit_http_route_requests_total{route=\"/users/:id\",class=\"2xx\"}") == "3");
    CHECK(sample(reg, "ringkit_http_route_requests_total{route=\"/api/items\",class=\"2xx\"}") == "1");
    CHECK(sample(reg, "ringkit_http_route_requests_total{route=\"/api/fail\",class=\"5xx\"}") == "1");
    CHECK(sample(reg, "ringkit_http_route_requests_total{route=\"other\",class=\"2xx\"}") == "1");
    CHECK(sample(reg, "ringkit_http_route_requests_total{route=\"/admin\",class=\"2xx\"}") == "1");
    CHECK(sample(reg, "ringkit_http_route_requests_total{route=\"unmatched\",class=\"4xx\"}") == "2");
    CHECK(sample(reg, "ringkit_http_request_duration_seconds_count{route=\"/users/:id\"}") == "3");
    CHECK(sample(reg, "ringkit_http_request_duration_seconds_count{route=\"unmatched\"}") == "2");
    // Every answer is in the histogram once: its counts add up to the requests.
    const std::string text = reg.expose();
    std::size_t observed = 0;
    for (auto at = text.find("\nringkit_http_request_duration_seconds_count{"); at != std::string::npos;
         at = text.find("\nringkit_http_request_duration_seconds_count{", at + 1))
        observed += std::stoul(text.substr(text.find("} ", at) + 2));
    CHECK(observed == 9);
    // A request's duration runs from its first byte to its answer: under the 10 s top bound.
    CHECK(sample(reg, "ringkit_http_request_duration_seconds_bucket{route=\"/users/:id\",le=\"10\"}") == "3");
    // Bytes as they crossed the socket (as TLS carried them: the plaintext).
    CHECK(sample(reg, "ringkit_http_request_bytes_total") == std::to_string(sent));
    CHECK(sample(reg, "ringkit_http_response_bytes_total") == std::to_string(received));
    // No error answer of the server's own, no timeout.
    CHECK(text.find("ringkit_http_errors_total{status=\"400\"} 0\n") != std::string::npos);
    CHECK(text.find("ringkit_http_timeouts_total{phase=\"idle\"} 0\n") != std::string::npos);

    metrics::registry other;
    metrics::server_metrics_options twice;
    twice.routes = {"/a", "/a"};
    CHECK_THROWS_AS(metrics::server_metrics(other, twice), std::invalid_argument);
    metrics::registry reserved;
    metrics::server_metrics_options named_other;
    named_other.routes = {"other"};
    CHECK_THROWS_AS(metrics::server_metrics(reserved, named_other), std::invalid_argument);
}

TEST_CASE("the server's own error answers, by status; not in the answers a handler made") {
    counted_options m;
    auto& reg = m.reg;
    auto& opts = m.opts;
    opts.max_line = 256;
    opts.max_body = 16;
    opts.header_timeout = 300ms;
    test_server srv([](request&) { return response::text("ok"); }, opts);
    const std::string long_line(300, 'a');
    const std::pair<std::string, int> bad[] = {
        {"GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n", 413},
        {"GET /" + long_line + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
        {"GET / HTTP/1.1\r\nHost: x\r\nExpect: something\r\n\r\n", 417},
        {"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + long_line + "\r\n\r\n", 431},
        {"CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", 501},
        {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
        {"GET / HTTP/1.1\r\nHost: x\r\n", 408},  // the head never ends: header_timeout
    };
    for (const auto& [req, status] : bad) {
        raw_client c(srv.port());
        REQUIRE(c.send(req));
        CHECK(c.read_response().status == status);
    }
    REQUIRE(wait_for_connections(srv));
    for (const auto& [req, status] : bad)
        CHECK(sample(reg, "ringkit_http_errors_total{status=\"" + std::to_string(status) + "\"}") == "1");
    CHECK(sample(reg, "ringkit_http_errors_total{status=\"other\"}") == "0");
    CHECK(sample(reg, "ringkit_http_route_requests_total{route=\"unmatched\",class=\"4xx\"}") == "0");
    CHECK(sample(reg, "ringkit_http_requests_total{method=\"GET\",class=\"4xx\"}") == "0");
    CHECK(sample(reg, "ringkit_http_timeouts_total{phase=\"header\"}") == "1");
}

TEST_CASE("timeouts by phase: header, body, body rate, idle, write, linger") {
    counted_options m;
    auto& reg = m.reg;
    auto& opts = m.opts;
    opts.header_timeout = opts.read_timeout = opts.idle_timeout = opts.write_timeout = opts.linger_timeout = 300ms;
    opts.min_body_rate = 0;  // read_timeout alone bounds a body here; the rate has a server of its own below
    const std::string big(32UL * 1024 * 1024, 'w');  // far more than the socket buffers hold
    test_server srv([&](request& req) { return req.uri == "/big" ? response::text(big) : response::text("ok"); }, opts);
    auto phase = [&](const char* name) {
        return sample(reg, std::string("ringkit_http_timeouts_total{phase=\"") + name + "\"}");
    };
    SUBCASE("each phase once") {
        // A connection sends `bytes`, gets `status`, and the server closes it: one timeout in `name`.
        auto closed_in = [&](const std::string& bytes, int status, const char* name) {
            {
                raw_client c(srv.port());
                REQUIRE(c.send(bytes));
                CHECK(c.read_response().status == status);
                CHECK(c.closed_by_server());
            }
            REQUIRE(wait_for_connections(srv));
            CHECK(phase(name) == "1");
        };
        closed_in("GET / HTTP/1.1\r\nHost: x\r\nX-Half: ", 408, "header");
        closed_in("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", 408, "body");
        closed_in(get("/"), 200, "idle");  // then nothing: closed without a word at idle_timeout
        {
            raw_client c(srv.port());
            REQUIRE(c.send(get("/big")));
            REQUIRE(wait_until([&] { return phase("write") == "1"; }));  // never read: write_timeout
        }
        REQUIRE(wait_for_connections(srv));
        {
            // An error answer, then the client neither sends nor closes: the linger ends at linger_timeout.
            raw_client c(srv.port());
            REQUIRE(c.send("GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n"));
            CHECK(c.read_response().status == 400);
            // The server has half-closed; it reads on until linger_timeout.
            REQUIRE(wait_until([&] { return phase("linger") == "1"; }));
        }
        REQUIRE(wait_for_connections(srv));
        // One per connection at most: the 408s' lingers and the write's end are not counted again.
        CHECK(phase("header") == "1");
        CHECK(phase("body") == "1");
        CHECK(phase("idle") == "1");
        CHECK(phase("write") == "1");
        CHECK(phase("body_rate") == "0");
        CHECK(phase("tls_handshake") == "0");
    }
    SUBCASE("body rate") {
        counted_options rate;
        auto& rate_reg = rate.reg;
        auto& rate_opts = rate.opts;
        rate_opts.min_body_rate = 1000;     // bytes per second, after...
        rate_opts.body_rate_grace = 300ms;  // ...this long; read_timeout keeps its 30 s default
        test_server rate_srv([](request&) { return response::text("ok"); }, rate_opts);
        {
            raw_client c(rate_srv.port());
            REQUIRE(c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabc"));
            CHECK(c.read_response().status == 408);
        }
        REQUIRE(wait_for_connections(rate_srv));
        CHECK(sample(rate_reg, "ringkit_http_timeouts_total{phase=\"body_rate\"}") == "1");
        CHECK(sample(rate_reg, "ringkit_http_timeouts_total{phase=\"body\"}") == "0");
    }
    if (tls_mode()) {
        SUBCASE("TLS handshake") {
            // A plain TCP client that never starts the handshake.
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            REQUIRE(fd >= 0);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(srv.port());
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
            REQUIRE(wait_until([&] { return phase("tls_handshake") == "1"; }));
            ::close(fd);
        }
    }
}

}  // TEST_SUITE
