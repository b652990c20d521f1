#include "ringkit/middleware/cors.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "support/run_handler.hpp"

namespace rk = ringkit;
using ringkit::test::header_values;

using rk::test::make_request;
using rk::test::run_handler;

namespace {

using header_init = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// The app behind CORS: counts its calls, so a test can see a preflight never reached it.
struct counted_app {
    int calls = 0;
    rk::handler handler() {
        return [this](rk::request& req) {
            ++calls;
            auto r = rk::response::text("from the app: " + std::string(req.method_name));
            r.headers.add("X-Total", "7");
            return r;
        };
    }
};

rk::response send(const rk::handler& app, std::string_view method, header_init headers) {
    auto req = make_request(method, "/api", headers);
    return run_handler(app, req);
}

bool has_cors_headers(const rk::response& res) {
    for (auto& [n, v] : res.headers)
        if (rk::detail::iequals(std::string_view(n).substr(0, 15), "access-control-")) return true;
    return false;
}

const rk::cors_options listed{
    .allowed_origins = {"https://app.example.com", "http://localhost:3000"},
    .allowed_methods = {"GET", "POST", "PUT"},
    .allowed_headers = {"Content-Type", "X-Api-Key"},
    .exposed_headers = {"X-Total"},
};

}  // namespace

TEST_CASE("a request without Origin reaches the app with no CORS headers") {
    counted_app inner;
    SUBCASE("a list of origins: only Vary: Origin, for caches") {
        auto res = send(inner.handler() | rk::wrap_cors(listed), "GET", {});
        CHECK(res.body_string() == "from the app: GET");
        CHECK_FALSE(has_cors_headers(res));
        CHECK(header_values(res, "vary") == std::vector<std::string>{"Origin"});
    }
    SUBCASE("\"*\": nothing at all") {
        auto res = send(inner.handler() | rk::wrap_cors({.allowed_origins = {"*"}}), "GET", {});
        CHECK(res.headers.size() == 2);  // Content-Type and X-Total
        CHECK_FALSE(res.headers.contains("Vary"));
    }
    SUBCASE("OPTIONS without Origin is the app's") {
        auto res = send(inner.handler() | rk::wrap_cors(listed), "OPTIONS", {{"access-control-request-method", "PUT"}});
        CHECK(res.body_string() == "from the app: OPTIONS");
        CHECK_FALSE(has_cors_headers(res));
    }
    CHECK(inner.calls == 1);
}

TEST_CASE("a simple request from an allowed origin") {
    counted_app inner;
    SUBCASE("a listed origin is echoed, with Vary and exposed headers") {
        auto res = send(inner.handler() | rk::wrap_cors(listed), "GET", {{"origin", "https://app.example.com"}});
        CHECK(res.body_string() == "from the app: GET");
        CHECK(res.headers.get("Access-Control-Allow-Origin") == "https://app.example.com");
        CHECK(header_values(res, "vary") == std::vector<std::string>{"Origin"});
        CHECK(res.headers.get("Access-Control-Expose-Headers") == "X-Total");
        CHECK_FALSE(res.headers.contains("Access-Control-Allow-Credentials"));
        CHECK_FALSE(res.headers.contains("Access-Control-Allow-Methods"));  // preflight only
    }
    SUBCASE("origins match case-insensitively, and the request's spelling is echoed") {
        auto res = send(inner.handler() | rk::wrap_cors(listed), "POST", {{"origin", "http://LOCALHOST:3000"}});
        CHECK(res.headers.get("Access-Control-Allow-Origin") == "http://LOCALHOST:3000");
    }
    SUBCASE("\"*\" answers \"*\" and does not vary") {
        auto res = send(inner.handler() | rk::wrap_cors({.allowed_origins = {"*"}}), "GET",
                        {{"origin", "https://anyone.example"}});
        CHECK(res.headers.get("Access-Control-Allow-Origin") == "*");
        CHECK_FALSE(res.headers.contains("Vary"));
    }
    SUBCASE("a predicate") {
        auto app = inner.handler() | rk::wrap_cors({.allow_origin = [](std::string_view o) {
                       return o.ends_with(".example.org") && o.starts_with("https://");
                   }});
        auto res = send(app, "GET", {{"origin", "https://shop.example.org"}});
        CHECK(res.headers.get("Access-Control-Allow-Origin") == "https://shop.example.org");
        CHECK(res.headers.get("Vary") == "Origin");
        auto no = send(app, "GET", {{"origin", "https://example.org.evil.com"}});
        CHECK_FALSE(has_cors_headers(no));
    }
    SUBCASE("credentials: echoed origin and Allow-Credentials") {
        auto opts = listed;
        opts.allow_credentials = true;
        auto res = send(inner.handler() | rk::wrap_cors(opts), "GET", {{"origin", "https://app.example.com"}});
        CHECK(res.headers.get("Access-Control-Allow-Origin") == "https://app.example.com");
        CHECK(res.headers.get("Access-Control-Allow-Credentials") == "true");
    }
    SUBCASE("Vary is merged with the app's") {
        rk::handler app = [](rk::request&) { return rk::response(200, {{"Vary", "Accept-Encoding"}}, "x"); };
        auto res = send(app | rk::wrap_cors(listed), "GET", {{"origin", "https://app.example.com"}});
        CHECK(header_values(res, "vary") == std::vector<std::string>{"Accept-Encoding, Origin"});
    }
    SUBCASE("a handler that set Access-Control-Allow-Origin itself is left alone") {
        rk::handler app = [](rk::request&) {
            return rk::response(200, {{"Access-Control-Allow-Origin", "https://other.example"}}, "x");
        };
        auto res = send(app | rk::wrap_cors(listed), "GET", {{"origin", "https://app.example.com"}});
        CHECK(header_values(res, "access-control-allow-origin") == std::vector<std::string>{"https://other.example"});
        CHECK_FALSE(res.headers.contains("Access-Control-Expose-Headers"));
    }
}

TEST_CASE("a request from an origin not allowed gets its response without CORS headers") {
    counted_app inner;
    for (auto origin :
         {"https://evil.example", "null", "https://app.example.com.evil", "https://app.example.com:8443"}) {
        CAPTURE(origin);
        auto res = send(inner.handler() | rk::wrap_cors(listed), "POST", {{"origin", origin}});
        CHECK(res.body_string() == "from the app: POST");  // CORS guards reading, not sending
        CHECK_FALSE(has_cors_headers(res));
        CHECK(res.headers.get("Vary") == "Origin");
    }
    SUBCASE("no origins configured allows none") {
        auto res = send(inner.handler() | rk::wrap_cors(), "GET", {{"origin", "https://app.example.com"}});
        CHECK_FALSE(has_cors_headers(res));
    }
}

TEST_CASE("a preflight is answered here and never reaches the app") {
    counted_app inner;
    auto app = inner.handler() | rk::wrap_cors(listed);
    SUBCASE("allowed") {
        auto res = send(app, "OPTIONS",
                        {{"origin", "https://app.example.com"},
                         {"access-control-request-method", "PUT"},
                         {"access-control-request-headers", "content-type,x-api-key"}});
        CHECK(res.status == 204);
        CHECK(res.body_string().empty());
        CHECK(res.headers.get("Access-Control-Allow-Origin") == "https://app.example.com");
        CHECK(res.headers.get("Access-Control-Allow-Methods") == "GET, POST, PUT");
        CHECK(res.headers.get("Access-Control-Allow-Headers") == "Content-Type, X-Api-Key");
        CHECK(res.headers.get("Access-Control-Max-Age") == "600");
        CHECK(res.headers.get("Vary") == "Origin");
        CHECK_FALSE(res.headers.contains("Access-Control-Allow-Credentials"));
        CHECK_FALSE(res.headers.contains("Access-Control-Expose-Headers"));
    }
    SUBCASE("header names match case-insensitively, with spaces and empty items") {
        auto res = send(app, "OPTIONS",
                        {{"origin", "https://app.example.com"},
                         {"access-control-request-method", "POST"},
                         {"access-control-request-headers", " X-API-KEY , ,Content-type"}});
        CHECK(res.status == 204);
    }
    SUBCASE("no headers asked for") {
        auto res =
            send(app, "OPTIONS", {{"origin", "http://localhost:3000"}, {"access-control-request-method", "GET"}});
        CHECK(res.status == 204);
    }
    SUBCASE("a disallowed origin: 403, no CORS headers") {
        auto res = send(app, "OPTIONS", {{"origin", "https://evil.example"}, {"access-control-request-method", "GET"}});
        CHECK(res.status == 403);
        CHECK(res.body_string() == "CORS preflight refused: origin not allowed");
        CHECK_FALSE(has_cors_headers(res));
        CHECK(res.headers.get("Vary") == "Origin");
    }
    SUBCASE("a disallowed method: 403; methods are case-sensitive") {
        for (auto m : {"DELETE", "put", "PROPFIND"}) {
            CAPTURE(m);
            auto res =
                send(app, "OPTIONS", {{"origin", "https://app.example.com"}, {"access-control-request-method", m}});
            CHECK(res.status == 403);
            CHECK(res.body_string() == "CORS preflight refused: method not allowed");
            CHECK_FALSE(has_cors_headers(res));
        }
    }
    SUBCASE("a disallowed header: 403 naming it") {
        auto res = send(app, "OPTIONS",
                        {{"origin", "https://app.example.com"},
                         {"access-control-request-method", "POST"},
                         {"access-control-request-headers", "content-type,authorization"}});
        CHECK(res.status == 403);
        CHECK(res.body_string() == "CORS preflight refused: header not allowed: authorization");
        CHECK_FALSE(has_cors_headers(res));
    }
    SUBCASE("malformed request headers: 400") {
        auto bad_method =
            send(app, "OPTIONS", {{"origin", "https://app.example.com"}, {"access-control-request-method", "GE T"}});
        CHECK(bad_method.status == 400);
        auto empty_method =
            send(app, "OPTIONS", {{"origin", "https://app.example.com"}, {"access-control-request-method", ""}});
        CHECK(empty_method.status == 400);
        auto bad_header = send(app, "OPTIONS",
                               {{"origin", "https://app.example.com"},
                                {"access-control-request-method", "GET"},
                                {"access-control-request-headers", "x-api-key, bad header"}});
        CHECK(bad_header.status == 400);
        CHECK_FALSE(has_cors_headers(bad_header));
    }
    CHECK(inner.calls == 0);
}

TEST_CASE("preflight with \"*\" methods and headers echoes what was asked") {
    counted_app inner;
    auto app =
        inner.handler() |
        rk::wrap_cors(
            {.allowed_origins = {"*"}, .allowed_methods = {"*"}, .allowed_headers = {"*"}, .max_age = std::nullopt});
    auto res = send(app, "OPTIONS",
                    {{"origin", "https://anyone.example"},
                     {"access-control-request-method", "PROPFIND"},
                     {"access-control-request-headers", "authorization,x-custom"}});
    CHECK(res.status == 204);
    CHECK(res.headers.get("Access-Control-Allow-Origin") == "*");
    CHECK(res.headers.get("Access-Control-Allow-Methods") == "PROPFIND");
    // "*" would not cover Authorization (Fetch): the names are listed.
    CHECK(res.headers.get("Access-Control-Allow-Headers") == "authorization, x-custom");
    CHECK_FALSE(res.headers.contains("Access-Control-Max-Age"));
    CHECK(header_values(res, "vary") ==
          std::vector<std::string>{"Access-Control-Request-Method, Access-Control-Request-Headers"});
    CHECK(inner.calls == 0);
}

TEST_CASE("credentials with a preflight") {
    counted_app inner;
    auto opts = listed;
    opts.allow_credentials = true;
    opts.max_age = std::chrono::hours(2);
    auto res = send(inner.handler() | rk::wrap_cors(opts), "OPTIONS",
                    {{"origin", "https://app.example.com"}, {"access-control-request-method", "POST"}});
    CHECK(res.status == 204);
    CHECK(res.headers.get("Access-Control-Allow-Origin") == "https://app.example.com");
    CHECK(res.headers.get("Access-Control-Allow-Credentials") == "true");
    CHECK(res.headers.get("Access-Control-Max-Age") == "7200");
}

TEST_CASE("credentials with \"*\" are refused or made safe") {
    CHECK_THROWS_AS(rk::wrap_cors({.allowed_origins = {"*"}, .allow_credentials = true}), std::invalid_argument);
    CHECK_THROWS_AS(rk::wrap_cors({.allowed_origins = {"https://a.example", "*"}, .allow_credentials = true}),
                    std::invalid_argument);
    SUBCASE("\"*\" exposed headers with credentials name the response's headers") {
        counted_app inner;
        auto app = inner.handler() |
                   rk::wrap_cors(
                       {.allowed_origins = {"https://a.example"}, .exposed_headers = {"*"}, .allow_credentials = true});
        auto res = send(app, "GET", {{"origin", "https://a.example"}});
        CHECK(res.headers.get("Access-Control-Expose-Headers") == "Content-Type, X-Total");
        auto plain =
            send(inner.handler() | rk::wrap_cors({.allowed_origins = {"https://a.example"}, .exposed_headers = {"*"}}),
                 "GET", {{"origin", "https://a.example"}});
        CHECK(plain.headers.get("Access-Control-Expose-Headers") == "*");
    }
    SUBCASE("\"*\" headers with credentials still list what was asked") {
        counted_app inner;
        auto app = inner.handler() |
                   rk::wrap_cors(
                       {.allowed_origins = {"https://a.example"}, .allowed_headers = {"*"}, .allow_credentials = true});
        auto res = send(app, "OPTIONS",
                        {{"origin", "https://a.example"},
                         {"access-control-request-method", "GET"},
                         {"access-control-request-headers", "x-one"}});
        CHECK(res.headers.get("Access-Control-Allow-Headers") == "x-one");
        CHECK(res.headers.get("Access-Control-Allow-Origin") == "https://a.example");
    }
}

TEST_CASE("options that cannot work are refused when the stack is built") {
    CHECK_THROWS_AS(rk::wrap_cors({.allowed_origins = {"https://a.example/"}}), std::invalid_argument);
    CHECK_THROWS_AS(rk::wrap_cors({.allowed_origins = {"a.example"}}), std::invalid_argument);
    CHECK_THROWS_AS(rk::wrap_cors({.allowed_origins = {"https://a.example, https://b.example"}}),
                    std::invalid_argument);
    CHECK_THROWS_AS(rk::wrap_cors({.allowed_methods = {"GET POST"}}), std::invalid_argument);
    CHECK_THROWS_AS(rk::wrap_cors({.allowed_headers = {"X-Bad:"}}), std::invalid_argument);
    CHECK_THROWS_AS(rk::wrap_cors({.max_age = std::chrono::seconds(-1)}), std::invalid_argument);
    CHECK_NOTHROW(rk::wrap_cors({.allowed_origins = {"null", "http://localhost:8080", "*"}}));
}

TEST_CASE("coroutine handlers, and plain stacks stay plain") {
    rk::handler coro = [](rk::request&) -> rk::task<rk::response> { co_return rk::response::text("async"); };
    auto res = send(coro | rk::wrap_cors(listed), "GET", {{"origin", "https://app.example.com"}});
    CHECK(res.body_string() == "async");
    CHECK(res.headers.get("Access-Control-Allow-Origin") == "https://app.example.com");

    counted_app inner;
    auto app = inner.handler() | rk::wrap_cors(listed);
    auto req = make_request("GET", "/", {{"origin", "https://app.example.com"}});
    CHECK(std::holds_alternative<rk::response>(app.invoke(req)));
}
