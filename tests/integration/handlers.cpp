// Handler failures and the worker pool: exceptions become a generic 500 and
// reach the logger; a full pool answers 503 at once.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <future>
#include <stdexcept>

#include "integration/support.hpp"
#include "ringkit/middleware/defaults.hpp"

using namespace ringkit;
using namespace ringkit::test;

TEST_SUITE("integration/handlers") {

TEST_CASE("a handler exception becomes a generic 500 and reaches the logger") {
    captured_log log;
    server_options opts;
    opts.logger = log.hook();
    const std::string secret = "secret-detail-8d1f";

    SUBCASE("plain function handler") {
        test_server srv([&](request&) -> response { throw std::runtime_error(secret); }, opts);
        raw_client c(srv.port());
        REQUIRE(c.send(get("/boom") + get("/again")));
        for (int i = 0; i < 2; ++i) {  // the connection survives
            auto r = c.read_response();
            CHECK(r.status == 500);
            CHECK(r.body == "Internal Server Error");
            CHECK(r.raw.find(secret) == std::string::npos);
        }
        srv.stop(1s);
    }
    SUBCASE("coroutine handler") {
        test_server srv(
            [&](request&) -> task<response> {
                co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
                throw std::runtime_error(secret);
            },
            opts);
        raw_client c(srv.port());
        REQUIRE(c.send(get("/boom")));
        auto r = c.read_response();
        CHECK(r.status == 500);
        CHECK(r.raw.find(secret) == std::string::npos);
        REQUIRE(c.send(get("/again")));
        CHECK(c.read_response().status == 500);
        srv.stop(1s);
    }
    SUBCASE("blocking handler on the worker pool") {
        test_server srv(blocking([&](request&) -> response { throw std::runtime_error(secret); }), opts);
        raw_client c(srv.port());
        REQUIRE(c.send(get("/boom")));
        auto r = c.read_response();
        CHECK(r.status == 500);
        CHECK(r.raw.find(secret) == std::string::npos);
        srv.stop(1s);
    }
    auto entries = log.entries();
    REQUIRE(!entries.empty());
    for (auto& e : entries) {
        CHECK(e.had_exception);
        CHECK(e.what == secret);
    }
}

TEST_CASE("what middleware catches reaches server_options::logger through request::logger") {
    captured_log log;
    server_options opts;
    opts.logger = log.hook();
    // A symlink to itself: open(2) fails with ELOOP, a file that exists but cannot be opened.
    const auto loop = std::filesystem::temp_directory_path() / ("ringkit-loop-" + std::to_string(::getpid()));
    std::filesystem::remove(loop);
    std::filesystem::create_symlink(loop, loop);
    handler app = [&](request& req) -> response {
        if (req.uri == "/file") return response::file(loop.string(), "text/plain", req.logger);
        throw std::runtime_error("preset-caught-5e2a");
    };
    test_server srv(app | api_defaults(), opts);
    raw_client c(srv.port());
    REQUIRE(c.send(get("/boom") + get("/file")));
    auto boom = c.read_response();
    CHECK(boom.status == 500);
    CHECK(boom.header("X-Content-Type-Options") == "nosniff");  // the preset's 500, not the server's
    CHECK(c.read_response().status == 500);
    srv.stop(1s);
    std::filesystem::remove(loop);
    auto entries = log.entries();
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].message == "handler threw on GET /boom; sent 500");
    CHECK(entries[0].what == "preset-caught-5e2a");
    CHECK(entries[1].message.find("cannot open file") == 0);
    CHECK(entries[1].message.ends_with("; sent 500"));
}

namespace {
response with_header(std::string_view name, std::string_view value) {
    auto r = response::text("ok");
    r.headers.add(std::string(name), std::string(value));
    return r;
}
}  // namespace

TEST_CASE("an invalid response from the handler becomes 500 and is logged") {
    captured_log log;
    server_options opts;
    opts.logger = log.hook();
    // One server per subcase, answering GET / with what `make` returns.
    auto answer_to = [&](response (*make)()) {
        test_server srv([make](request&) { return make(); }, opts);
        raw_client c(srv.port());
        REQUIRE(c.send(get("/")));
        auto r = c.read_response();
        srv.stop(1s);
        return r;
    };
    SUBCASE("a header value with CRLF (response splitting)") {
        auto r = answer_to([] { return with_header("X-Echo", "a\r\nInjected: yes"); });
        CHECK(r.status == 500);
        CHECK(r.raw.find("Injected") == std::string::npos);
        CHECK(r.count("x-echo") == 0);
    }
    SUBCASE("a bare LF in a header value") {
        auto r = answer_to([] { return with_header("X-Echo", "a\nInjected: yes"); });
        CHECK(r.status == 500);
        CHECK(r.raw.find("Injected") == std::string::npos);
    }
    SUBCASE("a header name that is not a token") {
        CHECK(answer_to([] { return with_header("Bad Name", "v"); }).status == 500);
    }
    SUBCASE("an interim status as the final answer") {
        CHECK(answer_to([] { return response(100); }).status == 500);
    }
    SUBCASE("a status out of range") {
        CHECK(answer_to([] { return response::text("ok", 1000); }).status == 500);
    }
    CHECK(log.entries().size() == 1);
}

TEST_CASE("blocking handlers: a full pool answers 503 at once") {
    std::promise<void> entered, release;
    auto released = release.get_future().share();
    std::atomic<bool> signalled{false};
    server_options opts;
    opts.threads = 2;
    opts.worker_threads = 1;
    opts.queue_size = 0;
    test_server srv(blocking([&](request& req) -> response {
                        if (req.uri == "/hold") {
                            if (!signalled.exchange(true)) entered.set_value();
                            released.wait();
                        }
                        return response::text("done " + req.uri);
                    }),
                    opts);
    // However the test ends, let the held job go so stop() can join the pool.
    releaser guard{release};

    raw_client a(srv.port());
    REQUIRE(a.send(get("/hold")));
    REQUIRE(entered.get_future().wait_for(io_timeout) == std::future_status::ready);

    raw_client b(srv.port());
    REQUIRE(b.send(get("/other")));
    auto busy = b.read_response();
    CHECK(busy.status == 503);
    // Still busy for a second request on the same connection: the 503 kept it open.
    REQUIRE(b.send(get("/other")));
    CHECK(b.read_response().status == 503);

    release.set_value();
    auto r = a.read_response();
    CHECK(r.status == 200);
    CHECK(r.body == "done /hold");

    // The pool is free again.
    REQUIRE(b.send(get("/after")));
    auto after = b.read_response();
    CHECK(after.status == 200);
    CHECK(after.body == "done /after");
}

TEST_CASE("blocking handlers run off the I/O thread") {
    // With one I/O thread, a request stuck in a blocking handler does not stop
    // another connection from being served.
    std::promise<void> entered, release;
    auto released = release.get_future().share();
    std::atomic<bool> signalled{false};
    server_options opts;
    opts.threads = 1;
    opts.worker_threads = 2;
    test_server srv(handler([&](request& req) -> task<response> {
                        if (req.uri != "/hold") co_return response::text("quick");
                        co_return co_await blocking([&](request&) -> response {
                            if (!signalled.exchange(true)) entered.set_value();
                            released.wait();
                            return response::text("slow");
                        })(req);
                    }),
                    opts);
    releaser guard{release};

    raw_client a(srv.port());
    REQUIRE(a.send(get("/hold")));
    REQUIRE(entered.get_future().wait_for(io_timeout) == std::future_status::ready);
    raw_client b(srv.port());
    REQUIRE(b.send(get("/quick")));
    CHECK(b.read_response().body == "quick");
    release.set_value();
    CHECK(a.read_response().body == "slow");
}

}  // TEST_SUITE("integration/handlers")
