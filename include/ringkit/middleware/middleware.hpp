// The pieces every middleware is made of. A middleware is a function from
// handler to handler (http/handler.hpp: `app | wrap_a() | wrap_b()`).
//
// Most middleware is one small function, and one of three makes it:
//   before(fn)  fn(req) runs first; it may answer instead of the handler
//   after(fn)   fn(req, res) runs on the response
//   around(fn)  fn(req, next) is a coroutine: co_await next(req) where it likes
// The general form is wrap(next, fn): the handler it returns calls the next one
// with handler::invoke and, when it has work to do on the way out, finishes
// with then(). before, after, wrap and then keep a stack of plain functions
// free of coroutine frames: a coroutine appears only where a handler below
// really is one (or an around, which always is).
#pragma once

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "ringkit/http/handler.hpp"

namespace ringkit {

namespace detail {
template <class F>
task<response> then_async(task<response> pending, request& req, F f) {
    response res = co_await std::move(pending);
    f(req, res);
    co_return res;
}
}  // namespace detail

/// Runs `f(req, res)` on the response `next` makes: at once when it is already
/// there, after the task otherwise. `f` is moved into the coroutine, so capture
/// by value. An exception from the handler below passes through untouched.
template <class F>
requires std::invocable<F&, request&, response&> maybe_task then(maybe_task next, request& req, F f) {
    if (auto* done = std::get_if<response>(&next)) {
        f(req, *done);
        return next;
    }
    return detail::then_async(std::move(std::get<task<response>>(next)), req, std::move(f));
}

/// Builds a handler from `fn(request&, const handler& next) -> maybe_task` that
/// holds `next`: the usual body of a middleware,
///     return [](handler next) { return wrap(std::move(next), [](request& r, const handler& n) {...}); };
template <class F>
requires std::same_as<std::invoke_result_t<F&, request&, const handler&>, maybe_task> handler wrap(handler next, F fn) {
    return [next = std::move(next), fn = std::move(fn)](request& req) -> maybe_task { return fn(req, next); };
}

// The functions below are called as const: one copy serves every request.
template <class F>
concept before_fn = std::invocable<const F&, request&> &&
    (std::is_void_v<std::invoke_result_t<const F&, request&>> ||
     std::same_as<std::invoke_result_t<const F&, request&>, std::optional<response>>);

/// Middleware that runs `fn(req)` before the handler. `fn` returns void (it only
/// reads or changes the request), or std::optional<response>: a response is the
/// answer and the handler is not called; std::nullopt goes on to it. `fn` is a
/// plain function: no coroutine frame. It is shared by every request, on every
/// I/O thread at once: what it captures and changes must be thread-safe.
template <before_fn F>
auto before(F fn) {
    return [fn = std::move(fn)](handler next) {
        return wrap(std::move(next), [fn](request& req, const handler& n) -> maybe_task {
            if constexpr (std::is_void_v<std::invoke_result_t<const F&, request&>>) {
                fn(req);
            } else {
                if (auto answer = fn(req)) return std::move(*answer);
            }
            return n.invoke(req);
        });
    };
}

/// Middleware that runs `fn(req, res)` (or `fn(res)`) on the handler's response
/// before it goes out, with then(): at once after a plain handler, after the
/// task after a coroutine. An exception from the handler skips `fn`. Shared by
/// every request, on every I/O thread at once.
template <class F>
requires std::invocable<const F&, request&, response&> || std::invocable<const F&, response&>
auto after(F fn) {
    return [fn = std::move(fn)](handler next) {
        return wrap(std::move(next), [fn](request& req, const handler& n) -> maybe_task {
            // `fn` by reference: it lives in the stack, which outlives the request.
            return then(n.invoke(req), req, [&fn](request& r, response& res) {
                if constexpr (std::invocable<const F&, request&, response&>) fn(r, res);
                else fn(res);
            });
        });
    };
}

/// Middleware from a coroutine `fn(request&, const handler& next) -> task<response>`
/// that calls `co_await next(req)` when (and as often as) it likes, or answers
/// by itself: a timer, an asynchronous lookup, a retry, a try/catch around the
/// rest. `next` and `fn` live as long as the stack, which outlives every
/// request. It costs a coroutine frame per request; before() and after() do not.
template <class F>
requires std::same_as<std::invoke_result_t<const F&, request&, const handler&>, task<response>>
auto around(F fn) {
    return [fn = std::move(fn)](handler next) {
        return wrap(std::move(next), [fn](request& req, const handler& n) -> maybe_task { return fn(req, n); });
    };
}

}  // namespace ringkit
