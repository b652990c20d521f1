#include "ringkit/ws/upgrade_context.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>

#include <asio/io_context.hpp>

using ringkit::request;
using ringkit::response;
using ringkit::detail::takeover;
using ringkit::detail::upgrade_context;
using ringkit::detail::upgrade_context_of;

namespace upgrade_context_test {

// A connection whose immediate upgrade only counts its calls.
struct fixture final : ringkit::detail::upgrade_target {
    asio::io_context io;
    ringkit::ws::config ws;
    ringkit::logger log{[](std::string_view, const std::exception_ptr&) {}};
    int upgrades = 0;
    std::shared_ptr<upgrade_context> ctx = std::make_shared<upgrade_context>(*this, ws, log);

    ringkit::task<bool> upgrade_now(ringkit::ws::handshake_result,
                                    std::shared_ptr<ringkit::detail::channel_core>) override {
        ++upgrades;
        return ok();
    }
    asio::any_io_executor executor() override { return io.get_executor(); }
    static ringkit::task<bool> ok() { co_return true; }
};

}  // namespace upgrade_context_test

TEST_CASE("the handler's choice is recorded as a value, taken once by the connection") {
    upgrade_context_test::fixture f;
    request req;
    CHECK(upgrade_context_of(req) == nullptr);  // outside a server
    req.upgrade = f.ctx;
    REQUIRE(upgrade_context_of(req) == f.ctx.get());
    CHECK(f.ctx->pending() == takeover::none);

    auto core = f.ctx->make_core(false);
    f.ctx->answer_later(core);
    CHECK(f.ctx->pending() == takeover::http_channel);
    CHECK_THROWS_AS(f.ctx->reject(response(400)), std::logic_error);  // taken over only once

    auto claim = f.ctx->take();
    CHECK(claim.how == takeover::http_channel);
    CHECK(claim.core == core);
    CHECK(f.ctx->pending() == takeover::none);  // the next request starts afresh

    f.ctx->reject(response(403));
    auto refused = f.ctx->take();
    REQUIRE(refused.rejection);
    CHECK(refused.rejection->status == 403);
    CHECK(f.upgrades == 0);
}

TEST_CASE("once the connection ends, a request that kept the handle finds no connection") {
    upgrade_context_test::fixture f;
    request kept;
    kept.upgrade = f.ctx;
    f.ctx->answer_later(f.ctx->make_core(false));
    f.ctx->detach();
    CHECK(upgrade_context_of(kept) == nullptr);
    CHECK(f.ctx->pending() == takeover::none);
}
