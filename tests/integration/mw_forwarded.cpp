// wrap_forwarded on a real connection: the client address and scheme it sets
// belong to one request, never to the next one on the same keep-alive connection.
#include "ringkit/middleware/proxy_headers.hpp"

#include <doctest/doctest.h>

#include "integration/support.hpp"

using namespace ringkit;
using namespace ringkit::test;

TEST_SUITE("integration/mw_forwarded") {

TEST_CASE("each request on a keep-alive connection starts from the TCP peer") {
    handler who = [](request& req) {
        return response::text(req.remote_addr + " " + std::string(req.scheme) + " " + std::string(peer_addr(req)));
    };
    test_server srv(who | wrap_forwarded({.trusted = {"127.0.0.1/32"}}));
    raw_client c(srv.port());
    REQUIRE(c.send(get("/", "X-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: https\r\n")));
    CHECK(c.read_response().body == "1.2.3.4 https 127.0.0.1");
    REQUIRE(c.send(get("/")));
    CHECK(c.read_response().body == "127.0.0.1 http 127.0.0.1");
    REQUIRE(c.send(get("/", "X-Forwarded-For: 5.6.7.8\r\n")));
    CHECK(c.read_response().body == "5.6.7.8 http 127.0.0.1");
}

TEST_CASE("a peer that is not trusted cannot spoof, on the wire either") {
    handler who = [](request& req) { return response::text(req.remote_addr + " " + std::string(req.scheme)); };
    test_server srv(who | wrap_forwarded({.trusted = {"10.0.0.0/8"}}));
    raw_client c(srv.port());
    REQUIRE(c.send(get("/", "X-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: https\r\n")));
    CHECK(c.read_response().body == "127.0.0.1 http");
}

}  // TEST_SUITE("integration/mw_forwarded")
