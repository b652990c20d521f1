// The handler type: anything that turns a request into a response, either as a
// coroutine (task<response>) or as a plain function (response). Plain functions
// are kept as they are, so calling one costs no coroutine frame.
#pragma once

#include <concepts>
#include <functional>
#include <type_traits>
#include <utility>
#include <variant>

#include "ringkit/core/task.hpp"
#include "ringkit/http/request.hpp"
#include "ringkit/http/response.hpp"

namespace ringkit {

/// What a handler that is a coroutine only sometimes returns: the response at
/// once, or a task that makes it (a router whose routes are of both kinds).
using maybe_task = std::variant<response, task<response>>;

template <class F>
concept async_handler_fn =
    std::invocable<F&, request&> && std::same_as<std::invoke_result_t<F&, request&>, task<response>>;
template <class F>
concept sync_handler_fn =
    std::invocable<F&, request&> && std::convertible_to<std::invoke_result_t<F&, request&>, response>;
template <class F>
concept mixed_handler_fn = std::invocable<F&, request&> && std::same_as<std::invoke_result_t<F&, request&>, maybe_task>;

class handler {
public:
    handler() = default;

    template <class F>
    requires(!std::same_as<std::remove_cvref_t<F>, handler> &&
             (async_handler_fn<F> || sync_handler_fn<F> || mixed_handler_fn<F>))
        handler(F f) {  // NOLINT(google-explicit-constructor): handlers convert like std::function
        if constexpr (async_handler_fn<F>) async_ = std::move(f);
        else if constexpr (mixed_handler_fn<F>) mixed_ = std::move(f);
        else sync_ = std::move(f);
    }

    /// Runs the handler as a coroutine, whichever kind it is.
    task<response> operator()(request& req) const {
        if (sync_) co_return sync_(req);
        if (mixed_) {
            auto r = mixed_(req);
            if (auto* t = std::get_if<task<response>>(&r)) co_return co_await std::move(*t);
            co_return std::move(std::get<response>(r));
        }
        co_return co_await async_(req);
    }

    /// Calls the handler the cheapest way its kind allows: a plain function's
    /// response comes back at once, a coroutine's as a task. Middleware calls the
    /// next handler with this so a stack of plain functions never makes a frame.
    maybe_task invoke(request& req) const {
        if (sync_) return sync_(req);
        if (mixed_) return mixed_(req);
        return async_(req);
    }

    bool is_sync() const noexcept { return static_cast<bool>(sync_); }
    /// Calls a plain-function handler directly; only when is_sync().
    response call_sync(request& req) const { return sync_(req); }
    /// The coroutine of an async handler; only when !is_sync() && !is_mixed().
    task<response> call_async(request& req) const { return async_(req); }
    bool is_mixed() const noexcept { return static_cast<bool>(mixed_); }
    /// Calls a sometimes-coroutine handler; only when is_mixed().
    maybe_task call_mixed(request& req) const { return mixed_(req); }

    explicit operator bool() const noexcept { return sync_ || async_ || mixed_; }

private:
    std::function<response(request&)> sync_;
    std::function<maybe_task(request&)> mixed_;
    std::function<task<response>(request&)> async_;
};

/// Middleware is any function from handler to handler.
template <class M>
concept middleware_fn = std::invocable<M&, handler> && std::convertible_to<std::invoke_result_t<M&, handler>, handler>;

/// `inner | wrap` is wrap(inner): the stack reads like Ring's `->`, outermost last.
template <middleware_fn M>
handler operator|(handler inner, M&& wrap) {
    return std::forward<M>(wrap)(std::move(inner));
}

}  // namespace ringkit
