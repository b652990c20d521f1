#include "ringkit/middleware/flash.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "ringkit/middleware/memory_store.hpp"
#include "support/run_handler.hpp"

namespace rk = ringkit;

namespace {

// POST /save sets a flash and redirects; any GET shows the flash it got.
rk::handler app_handler() {
    return [](rk::request& req) {
        if (req.method_name == "POST") {
            rk::set_flash(req, {{"notice", "Saved"}});
            return rk::response::redirect("/");
        }
        auto& f = rk::flash_of(req);
        return rk::response::text(f ? f->at("notice").get<std::string>() : "-");
    };
}

}  // namespace

TEST_CASE("a flash is shown by the next request only") {
    rk::memory_store store;
    auto app = app_handler() | rk::wrap_flash() | rk::wrap_session(store);

    auto post = rk::test::make_request("POST", "/save");
    auto cookie = rk::test::cookie_pair(rk::test::run_handler(app, post));
    REQUIRE(cookie);

    auto get1 = rk::test::make_request("GET", "/", {{"Cookie", *cookie}});
    CHECK(rk::test::run_handler(app, get1).body_string() == "Saved");
    auto get2 = rk::test::make_request("GET", "/", {{"Cookie", *cookie}});
    CHECK(rk::test::run_handler(app, get2).body_string() == "-");
    auto get3 = rk::test::make_request("GET", "/", {{"Cookie", *cookie}});
    CHECK(rk::test::run_handler(app, get3).body_string() == "-");
    CHECK(store.size() == 1);  // the session itself lives on

    // A second flash after the first was shown works the same way.
    auto post2 = rk::test::make_request("POST", "/save", {{"Cookie", *cookie}});
    rk::test::run_handler(app, post2);
    auto get4 = rk::test::make_request("GET", "/", {{"Cookie", *cookie}});
    CHECK(rk::test::run_handler(app, get4).body_string() == "Saved");
}

TEST_CASE("no flash, no session write") {
    rk::memory_store store;
    auto app = app_handler() | rk::wrap_flash() | rk::wrap_session(store);
    auto get = rk::test::make_request("GET", "/");
    auto res = rk::test::run_handler(app, get);
    CHECK(res.body_string() == "-");
    CHECK(!rk::test::cookie_pair(res));
    CHECK(store.size() == 0);
}

TEST_CASE("wrap_flash without wrap_session outside it is a clear error") {
    auto inside_out = app_handler() | rk::wrap_session(rk::memory_store{}) | rk::wrap_flash();
    auto req = rk::test::make_request("GET", "/");
    CHECK_THROWS_WITH_AS(rk::test::run_handler(inside_out, req), doctest::Contains("wrap_session"), std::logic_error);
    auto bare = rk::test::make_request("GET", "/");
    CHECK_THROWS_WITH_AS(rk::flash_of(bare), doctest::Contains("wrap_flash"), std::logic_error);
}
