// Request ids through a real server: the JSON access line, the response's
// X-Request-Id, and the errors the server itself logs about the request (a handler
// that throws, an invalid response, a stream body that throws) carry the same id.
#include "ringkit/middleware/request_id.hpp"

#include <doctest/doctest.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/support.hpp"
#include "ringkit/middleware/access_log.hpp"

using namespace ringkit;
using namespace ringkit::test;

namespace request_id_integration_tests {

// What the server's logger and the access log were told, from any thread.
struct logs {
    std::mutex mutex;
    std::vector<std::string> errors, access;

    std::vector<std::string> take_errors() {
        std::lock_guard lock(mutex);
        return errors;
    }
    std::vector<std::string> take_access() {
        std::lock_guard lock(mutex);
        return access;
    }
};

response route(request& req) {
    if (req.uri == "/throw") throw std::runtime_error("boom");
    if (req.uri == "/invalid") return response::text("x", 42);  // no such status
    if (req.uri == "/stream-throws")
        return response::stream([](body_writer& out) -> task<void> {
            co_await out.write("part");
            throw std::runtime_error("stream broke");
        });
    return response::text("ok");
}

}  // namespace request_id_integration_tests

TEST_SUITE("integration/request_id") {

TEST_CASE("one id: in the JSON access line, the response, and the errors the server logs") {
    request_id_integration_tests::logs got;
    server_options opts;
    opts.logger = [&](std::string_view m, std::exception_ptr) {
        std::lock_guard lock(got.mutex);
        got.errors.emplace_back(m);
    };
    const handler app = handler(request_id_integration_tests::route) |
                        wrap_access_log(
                            [&](std::string_view line) {
                                std::lock_guard lock(got.mutex);
                                got.access.emplace_back(line);
                            },
                            {.format = log_format::json}) |
                        wrap_request_id();
    test_server srv(app, opts);

    raw_client c(srv.port());
    REQUIRE(c.send(get("/ok", "X-Request-Id: given-1\r\n")));
    auto r = c.read_response();
    CHECK(r.status == 200);
    CHECK(r.header("x-request-id") == "given-1");

    REQUIRE(c.send(get("/ok")));
    r = c.read_response();
    const auto made = r.header("x-request-id").value_or("");
    CHECK(made.size() == 32);

    // The connection's own 500 (no wrap_exceptions): the id in the header and the log line.
    REQUIRE(c.send(get("/throw", "X-Request-Id: t-2\r\n")));
    r = c.read_response();
    CHECK(r.status == 500);
    CHECK(r.header("x-request-id") == "t-2");

    REQUIRE(c.send(get("/invalid", "X-Request-Id: i-3\r\n")));
    CHECK(c.read_response().status == 500);

    // The head is out when the body throws: the connection ends, the log says which request.
    REQUIRE(c.send(get("/stream-throws", "X-Request-Id: s-4\r\n")));

    REQUIRE(wait_until([&] { return got.take_errors().size() >= 3 && got.take_access().size() >= 5; }));
    const auto errors = got.take_errors();
    REQUIRE(errors.size() == 3);
    CHECK(errors[0] == "request t-2: handler threw; sent 500");
    CHECK(errors[1] == "request i-3: handler returned an invalid response (status or header bytes); sent 500");
    CHECK(errors[2] == "request s-4: stream body threw; connection closed");

    const auto access = got.take_access();
    REQUIRE(access.size() == 5);
    std::vector<std::string> ids, paths;
    for (const auto& line : access) {
        const auto j = nlohmann::json::parse(line);
        ids.push_back(j["request_id"]);
        paths.push_back(j["path"]);
        CHECK(j["remote_addr"] == "127.0.0.1");
    }
    CHECK(ids == std::vector<std::string>{"given-1", made, "t-2", "i-3", "s-4"});
    CHECK(paths == std::vector<std::string>{"/ok", "/ok", "/throw", "/invalid", "/stream-throws"});
    CHECK(nlohmann::json::parse(access[2])["status"] == 500);  // the access log saw the throw
}

}  // TEST_SUITE
