#include "ringkit/middleware/access_log.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringkit/middleware/request_id.hpp"
#include "support/run_handler.hpp"

namespace rk = ringkit;

using namespace std::chrono_literals;
using ringkit::test::make_request;
using ringkit::test::run_handler;

namespace {

const auto fixed_time = std::chrono::sys_days{std::chrono::year{2026} / 11 / 26} + 14h + 3min + 9s + 250ms;

struct lines {
    std::shared_ptr<std::vector<std::string>> got = std::make_shared<std::vector<std::string>>();
    auto sink() const {
        return [got = got](std::string_view l) { got->emplace_back(l); };
    }
};

// The line without its last field (the duration, which no test can know); checks it is a number.
std::string without_duration(const std::string& line) {
    auto space = line.rfind(' ');
    REQUIRE(space != std::string::npos);
    auto micros = line.substr(space + 1);
    CHECK_FALSE(micros.empty());
    CHECK(micros.find_first_not_of("0123456789") == std::string::npos);
    return line.substr(0, space);
}

rk::handler text_of(std::string body, int status = 200) {
    return [body, status](rk::request&) { return rk::response::text(body, status); };
}

}  // namespace

TEST_CASE("a Combined Log Format line, with the duration last") {
    lines log;
    auto app = text_of("hello world") | rk::wrap_access_log(log.sink(), {.clock = [] { return fixed_time; }});
    auto req = make_request("GET", "/p?q=1&r", {{"Referer", "https://a.example/"}, {"User-Agent", "curl/8.5.0"}});
    req.remote_addr = "203.0.113.9";
    run_handler(app, req);
    REQUIRE(log.got->size() == 1);
    CHECK(
        without_duration((*log.got)[0]) ==
        R"(203.0.113.9 - - [26/Nov/2026:14:03:09 +0000] "GET /p?q=1&r HTTP/1.1" 200 11 "https://a.example/" "curl/8.5.0")");
}

TEST_CASE("Common format, without duration; missing fields are -") {
    lines log;
    auto app =
        text_of("") |
        rk::wrap_access_log(log.sink(),
                            {.format = rk::log_format::common, .duration = false, .clock = [] { return fixed_time; }});
    auto req = make_request("DELETE", "/x");
    req.protocol = "HTTP/1.0";
    run_handler(app, req);
    CHECK((*log.got)[0] == R"(- - - [26/Nov/2026:14:03:09 +0000] "DELETE /x HTTP/1.0" 200 -)");

    lines combined;
    auto c =
        text_of("") | rk::wrap_access_log(combined.sink(), {.duration = false, .clock = [] { return fixed_time; }});
    req.remote_addr = "::1";
    run_handler(c, req);
    CHECK((*combined.got)[0] == R"(::1 - - [26/Nov/2026:14:03:09 +0000] "DELETE /x HTTP/1.0" 200 - "-" "-")");
}

TEST_CASE("log injection: quotes, backslashes, control and non-ASCII bytes are escaped") {
    lines log;
    auto app = text_of("x") | rk::wrap_access_log(log.sink(), {.duration = false, .clock = [] { return fixed_time; }});
    auto req = make_request(
        "GET", "/a",
        {{"User-Agent", "evil\" 200 1 \"-\" \"x\r\n1.1.1.1 - - [forged]"}, {"Referer", "back\\slash\x7f\xc3\xa9"}});
    req.uri = "/a\nb\"";  // a request value another wrap rewrote; the parser would refuse these bytes
    req.remote_addr = "1.2.3.4\n";
    run_handler(app, req);
    auto& line = (*log.got)[0];
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find('\r') == std::string::npos);
    CHECK(line ==
          "1.2.3.4\\x0a - - [26/Nov/2026:14:03:09 +0000] \"GET /a\\x0ab\\\" HTTP/1.1\" 200 1 "
          "\"back\\\\slash\\x7f\\xc3\\xa9\" \"evil\\\" 200 1 \\\"-\\\" \\\"x\\x0d\\x0a1.1.1.1 - - [forged]\"");
}

TEST_CASE("the structured entry, and what body size is known") {
    std::vector<rk::access_entry> seen;
    std::vector<std::string> targets;
    auto observe = [&](const rk::access_entry& e) {
        seen.push_back(e);
        targets.emplace_back(e.target);  // the views die with the callback
    };
    auto run = [&](rk::handler h, std::string_view method = "GET") {
        auto app = std::move(h) | rk::wrap_access_events(observe, {.clock = [] { return fixed_time; }});
        auto req = make_request(method, "/t?x");
        run_handler(app, req);
        REQUIRE(!seen.empty());
        return seen.back();
    };
    auto e = run(text_of("12345", 201));
    CHECK(e.status == 201);
    CHECK(e.body_bytes == 5u);
    CHECK(e.time == fixed_time);
    CHECK(targets.back() == "/t?x");
    CHECK_FALSE(e.threw);
    CHECK(e.duration >= 0us);

    CHECK(run(text_of("12345"), "HEAD").body_bytes == 0u);
    CHECK(run(text_of("12345", 304)).body_bytes == 0u);
    CHECK(run([](rk::request&) { return rk::response(204); }).body_bytes == 0u);
    CHECK(run([](rk::request&) { return rk::response::upgraded(); }).body_bytes == 0u);
    CHECK(run([](rk::request&) {
              rk::response r(200);
              r.body = rk::file_body{nullptr, 100, 4096};
              return r;
          }).body_bytes == 4096u);
    CHECK(run([](rk::request&) {
              return rk::response::stream([](rk::body_writer&) -> rk::task<void> { co_return; });
          }).body_bytes == std::nullopt);

    lines log;
    auto streamed = [](rk::request&) {
        return rk::response::stream([](rk::body_writer&) -> rk::task<void> { co_return; });
    };
    auto app = rk::handler(streamed) |
               rk::wrap_access_log(log.sink(), {.duration = false, .clock = [] { return fixed_time; }});
    auto req = make_request("GET", "/s");
    run_handler(app, req);
    CHECK((*log.got)[0] == R"(- - - [26/Nov/2026:14:03:09 +0000] "GET /s HTTP/1.1" 200 - "-" "-")");
}

TEST_CASE("a coroutine handler is logged when its task completes") {
    lines log;
    bool done = false;
    rk::handler slow = [&](rk::request&) -> rk::task<rk::response> {
        done = true;
        co_return rk::response::text("later", 202);
    };
    auto app = slow | rk::wrap_access_log(log.sink(), {.duration = false, .clock = [] { return fixed_time; }});
    auto req = make_request("PUT", "/job");
    auto pending = app.invoke(req);
    REQUIRE(std::holds_alternative<rk::task<rk::response>>(pending));
    CHECK(log.got->empty());  // nothing before the task runs
    CHECK_FALSE(done);
    auto res = run_handler(app, req);
    CHECK(res.status == 202);
    REQUIRE(log.got->size() == 1);
    CHECK((*log.got)[0] == R"(- - - [26/Nov/2026:14:03:09 +0000] "PUT /job HTTP/1.1" 202 5 "-" "-")");
}

TEST_CASE("a handler that throws is logged as 500 and the exception goes on") {
    rk::handler boom = [](rk::request&) -> rk::response { throw std::runtime_error("boom"); };
    rk::handler boom_async = [](rk::request&) -> rk::task<rk::response> {
        throw std::runtime_error("boom");
        co_return rk::response();
    };
    for (auto* h : {&boom, &boom_async}) {
        std::vector<rk::access_entry> seen;
        auto app = *h | rk::wrap_access_events([&](const rk::access_entry& e) { seen.push_back(e); });
        auto req = make_request("GET", "/");
        CHECK_THROWS_WITH(run_handler(app, req), "boom");
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].status == 500);
        CHECK(seen[0].threw);
        CHECK(seen[0].body_bytes == std::nullopt);
    }
}

TEST_CASE("the request line is the one that arrived; the client is the one known at the end") {
    lines log;
    rk::handler rewrites = [](rk::request& req) {
        req.uri = "/rewritten";
        req.method_name = "POST";
        return rk::response::text("");
    };
    auto forwarded = [](rk::handler next) {  // stands in for wrap_forwarded placed inside the log
        return rk::wrap(std::move(next), [](rk::request& req, const rk::handler& n) {
            req.remote_addr = "198.51.100.1";
            return n.invoke(req);
        });
    };
    auto app =
        rewrites | forwarded |
        rk::wrap_access_log(log.sink(),
                            {.format = rk::log_format::common, .duration = false, .clock = [] { return fixed_time; }});
    auto req = make_request("GET", "/original?a=b");
    req.remote_addr = "10.0.0.1";
    run_handler(app, req);
    CHECK((*log.got)[0] == R"(198.51.100.1 - - [26/Nov/2026:14:03:09 +0000] "GET /original?a=b HTTP/1.1" 200 -)");
}

TEST_CASE("a sink that throws does not fail the request; a plain stack stays plain") {
    auto app = text_of("ok") | rk::wrap_access_log([](std::string_view) { throw std::runtime_error("disk full"); });
    auto req = make_request("GET", "/");
    auto r = app.invoke(req);
    REQUIRE(std::holds_alternative<rk::response>(r));
    CHECK(std::get<rk::response>(r).body_string() == "ok");
}

TEST_CASE("dates are formatted in UTC and in English whatever the day") {
    rk::access_entry e;
    e.method = "GET";
    e.target = "/";
    e.protocol = "HTTP/1.1";
    e.status = 200;
    e.time = std::chrono::sys_days{std::chrono::year{1999} / 1 / 5} + 23h + 59min + 59s;
    CHECK(rk::format_access_line(e, {.format = rk::log_format::common, .duration = false}) ==
          R"(- - - [05/Jan/1999:23:59:59 +0000] "GET / HTTP/1.1" 200 -)");
    e.time = std::chrono::sys_days{std::chrono::year{2024} / 2 / 29};
    e.duration = 1234us;
    CHECK(rk::format_access_line(e, {.format = rk::log_format::common}) ==
          R"(- - - [29/Feb/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 - 1234)");
}

namespace access_log_json_tests {

// The JSON line `app` logs for `req`, parsed (a parse error fails the test).
nlohmann::json logged_json(const rk::handler& inner, rk::request& req,
                           const std::function<rk::handler(rk::handler)>& outer = {}) {
    lines log;
    auto app =
        inner | rk::wrap_access_log(log.sink(), {.format = rk::log_format::json, .clock = [] { return fixed_time; }});
    if (outer) app = outer(std::move(app));
    run_handler(app, req);
    REQUIRE(log.got->size() == 1);
    const auto& line = log.got->front();
    CHECK(line.find('\n') == std::string::npos);
    return nlohmann::json::parse(line);  // throws on bad JSON, failing the test
}

}  // namespace access_log_json_tests

TEST_CASE("JSON lines: every field, RFC 3339 time in UTC with milliseconds") {
    auto req = make_request("POST", "/p/q?x=1&y", {{"Referer", "https://a.example/"}, {"User-Agent", "curl/8.5.0"}});
    req.remote_addr = "203.0.113.9";
    req.request_id = "rid-1";
    auto j = access_log_json_tests::logged_json(text_of("hello world", 201), req);
    CHECK(j["time"] == "2026-11-26T14:03:09.250Z");
    CHECK(j["remote_addr"] == "203.0.113.9");
    CHECK(j["request_id"] == "rid-1");
    CHECK(j["method"] == "POST");
    CHECK(j["path"] == "/p/q");
    CHECK(j["query"] == "x=1&y");
    CHECK(j["protocol"] == "HTTP/1.1");
    CHECK(j["status"] == 201);
    CHECK(j["bytes"] == 11);
    CHECK(j["duration_us"].is_number_unsigned());
    CHECK(j["referer"] == "https://a.example/");
    CHECK(j["user_agent"] == "curl/8.5.0");
    CHECK(j.size() == 12);
}

TEST_CASE("JSON lines: what is missing is null; a stream's size is unknown") {
    rk::handler streamed = [](rk::request&) {
        return rk::response::stream([](rk::body_writer&) -> rk::task<void> { co_return; });
    };
    auto req = make_request("GET", "/s");
    auto j = access_log_json_tests::logged_json(streamed, req);
    CHECK(j["remote_addr"].is_null());
    CHECK(j["request_id"].is_null());
    CHECK(j["query"].is_null());
    CHECK(j["bytes"].is_null());
    CHECK(j["referer"].is_null());
    CHECK(j["user_agent"].is_null());
    auto empty_query = make_request("GET", "/s?");
    CHECK(access_log_json_tests::logged_json(text_of(""), empty_query)["query"] == "");
}

TEST_CASE("JSON lines: the request id, set by wrap_request_id inside or outside the log") {
    auto inside = make_request("GET", "/", {{"X-Request-Id", "in-1"}});
    CHECK(access_log_json_tests::logged_json(text_of("x") | rk::wrap_request_id(), inside)["request_id"] == "in-1");
    auto outside = make_request("GET", "/");
    auto j = access_log_json_tests::logged_json(text_of("x"), outside,
                                                [](rk::handler h) { return std::move(h) | rk::wrap_request_id(); });
    CHECK(j["request_id"] == outside.request_id);
    CHECK(outside.request_id.size() == 32);
}

TEST_CASE("JSON lines: quotes, backslashes, control characters and bad UTF-8 cannot break the line") {
    auto req = make_request("GET", "/", {{"User-Agent", "evil\"}, \"status\": 200, \"x\": \"\r\n{}"}});
    // Values another wrap may have rewritten; the parser would refuse most of these bytes in a path.
    const std::string good = "/a\"b\\c\n\t\x01\x1f\x7f/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80";
    req.uri = good;
    req.uri +=
        "/bad:\xff\xc3(\xe0\x80\xaf\xed\xa0\x80\xf4\x90\x80\x80\xc3";  // lone, overlong, surrogate, > U+10FFFF, cut
    req.remote_addr = std::string("1.2.3.4\0", 8);
    auto j = access_log_json_tests::logged_json(text_of("x"), req);
    CHECK(j["user_agent"] == "evil\"}, \"status\": 200, \"x\": \"\r\n{}");
    CHECK(j["status"] == 200);
    CHECK(j["remote_addr"] == std::string("1.2.3.4\0", 8));
    const std::string path = j["path"];
    CHECK(path.starts_with(good));
    // Each byte of an ill-formed sequence is one U+FFFD; the good '(' between them stays.
    const std::string fffd = "\xef\xbf\xbd";
    std::string bad = "/bad:" + fffd + fffd + "(";
    for (int i = 0; i < 3 + 3 + 4 + 1; ++i) bad += fffd;
    CHECK(path.substr(good.size()) == bad);
}

TEST_CASE("JSON escaping of every character below 0x80, byte for byte") {
    rk::access_entry e;
    std::string all;
    for (int c = 0; c < 0x80; ++c) all += static_cast<char>(c);
    e.method = "GET";
    e.target = all;  // '?' splits it: path before, query after
    e.protocol = "HTTP/1.1";
    std::string line;
    rk::append_access_json(line, e);
    for (char c : line) CHECK(static_cast<unsigned char>(c) >= 0x20);  // no raw control byte, nothing above ASCII
    auto j = nlohmann::json::parse(line);
    CHECK(j["path"].get<std::string>() + "?" + j["query"].get<std::string>() == all);
    CHECK(line.find(R"(\u0000\u0001)") != std::string::npos);
    CHECK(line.find(R"(\b\t\n\u000b\f\r)") != std::string::npos);
    CHECK(line.find(R"(\u007f)") != std::string::npos);
}

TEST_CASE("RFC 3339 times: milliseconds cut, not rounded; a leap day") {
    rk::access_entry e;
    e.method = "GET";
    e.target = "/";
    e.time = std::chrono::sys_days{std::chrono::year{1999} / 1 / 5} + 23h + 59min + 59s + 999999us;
    auto line = rk::format_access_line(e, {.format = rk::log_format::json});
    CHECK(nlohmann::json::parse(line)["time"] == "1999-01-05T23:59:59.999Z");
    e.time = std::chrono::sys_days{std::chrono::year{2024} / 2 / 29} + 7ms;
    line = rk::format_access_line(e, {.format = rk::log_format::json});
    CHECK(nlohmann::json::parse(line)["time"] == "2024-02-29T00:00:00.007Z");
}
