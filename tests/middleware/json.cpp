#include "ringkit/middleware/json.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "support/run_handler.hpp"

namespace rk = ringkit;

using rk::test::make_request;
using rk::test::run_handler;

namespace {

struct json_outcome {
    rk::response res;
    bool ran = false;
    std::optional<nlohmann::json> value;  // when json_body was stored
    std::string body;                     // the body the handler saw
};

json_outcome post(std::string_view type, std::string body, rk::json_options opt = {}) {
    json_outcome o;
    rk::handler app = [&](rk::request& r) {
        o.ran = true;
        o.body = r.body;
        if (auto* j = r.ext.find<rk::json_body>()) o.value = j->value;
        return rk::response::text("ok");
    };
    auto req = type.empty() ? make_request("POST", "/j", {}, std::move(body))
                            : make_request("POST", "/j", {{"Content-Type", type}}, std::move(body));
    o.res = run_handler(app | rk::wrap_json_body(opt), req);
    return o;
}

}  // namespace

TEST_CASE("a JSON body is parsed onto the request") {
    auto o = post("application/json", R"({"a":[1,2,{"b":null}],"s":"\u00fc\"]"})");
    CHECK(o.res.status == 200);
    REQUIRE(o.value);
    CHECK((*o.value)["a"][2].contains("b"));
    CHECK((*o.value)["s"] == "\xc3\xbc\"]");
}

TEST_CASE("json_of reads it; a coroutine below sees it too") {
    rk::handler app = [](rk::request& r) -> rk::task<rk::response> {
        co_return rk::response::json({{"got", rk::json_of(r)["n"]}});
    };
    auto req = make_request("PUT", "/j", {{"content-type", "application/json"}}, R"({"n": 42})");
    auto res = run_handler(app | rk::wrap_json_body(), req);
    CHECK(res.body_string() == R"({"got":42})");
    CHECK(res.headers.get("Content-Type") == "application/json");
}

TEST_CASE("JSON media types: parameters, case and +json suffixes") {
    for (auto type : {"application/json; charset=utf-8", "APPLICATION/JSON", "application/merge-patch+json",
                      "application/vnd.api+JSON ; x=\"y;z\""}) {
        CAPTURE(type);
        auto o = post(type, "[1]");
        CHECK(o.res.status == 200);
        CHECK(o.value == nlohmann::json::array({1}));
    }
}

TEST_CASE("bad JSON is 400 with a short body naming where and what") {
    for (auto bad : {"{", "{x}", "[1,]", "{\"a\":1} trailing", "nul", "\"\xff\"", "[1] [2]", "{\"a\" 1}"}) {
        CAPTURE(bad);
        auto o = post("application/json", bad);
        CHECK(o.res.status == 400);
        CHECK_FALSE(o.ran);
        CHECK(o.res.body_string().starts_with("Malformed JSON at byte "));
        CHECK(o.res.body_string().size() < 200);
    }
    auto o = post("application/json", "{x}");
    CHECK(o.res.body_string() == "Malformed JSON at byte 2: syntax error while parsing object key - invalid literal");
}

TEST_CASE("deep JSON is 400 before it is parsed; the limit itself passes") {
    auto o = post("application/json", std::string(100'000, '['));
    CHECK(o.res.status == 400);
    CHECK(o.res.body_string() == "Malformed JSON: nested deeper than 256");
    CHECK(post("application/json", std::string(100'000, '{')).res.status == 400);

    rk::json_options opt{.max_depth = 3};
    CHECK(post("application/json", R"([{"a":[1]}])", opt).res.status == 200);
    CHECK(post("application/json", R"([{"a":[[1]]}])", opt).res.status == 400);
    // Brackets inside strings (escaped quotes included) do not count.
    CHECK(post("application/json", R"(["[[[[[[", "\"[[[[[[[["])", opt).res.status == 200);
    // Balanced deep nesting built from separate siblings stays shallow.
    CHECK(post("application/json", "[[1],[2],[3],[[4]]]", opt).res.status == 200);
}

TEST_CASE("a deep value at the default limit parses and is destroyed fine") {
    auto o = post("application/json", std::string(256, '[') + std::string(256, ']'));
    CHECK(o.res.status == 200);
    CHECK(post("application/json", std::string(257, '[') + std::string(257, ']')).res.status == 400);
}

TEST_CASE("an empty JSON body is null, not an error") {
    auto o = post("application/json", "");
    CHECK(o.res.status == 200);
    REQUIRE(o.value);
    CHECK(o.value->is_null());
}

TEST_CASE("other content types pass through untouched") {
    for (auto type : {"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "text/json",
                      "application/+jsonx", "json"}) {
        CAPTURE(type);
        auto o = post(type, "{not json");
        CHECK(o.res.status == 200);
        CHECK(o.ran);
        CHECK_FALSE(o.value);
        CHECK(o.body == "{not json");
    }
}

TEST_CASE("require_json: 415 for a body of another type, empty bodies still pass") {
    rk::json_options opt{.require_json = true};
    auto o = post("text/plain", "hello", opt);
    CHECK(o.res.status == 415);
    CHECK_FALSE(o.ran);
    CHECK(post("", "hello", opt).res.status == 415);
    CHECK(post("", "", opt).res.status == 200);
    CHECK(post("application/json", "{}", opt).res.status == 200);
}

TEST_CASE("json_of without the middleware names what is missing") {
    rk::request req;
    CHECK_THROWS_AS(rk::json_of(req), std::logic_error);
}

TEST_CASE("a number too large for a double is 400, not an exception (a 500) echoing the client's bytes") {
    for (std::string body : {"1e999", "[-1e400]", R"({"n": 123456789e999999})"}) {
        CAPTURE(body);
        json_outcome o;
        CHECK_NOTHROW(o = post("application/json", body));
        CHECK(o.res.status == 400);
        CHECK_FALSE(o.ran);
        CHECK(o.res.body_string().find("e9") == std::string::npos);
    }
}
