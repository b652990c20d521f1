// The pieces every middleware is made of. A middleware is a function from
// handler to handler (http/handler.hpp: `app | wrap_a() | wrap_b()`); the
// handler it returns calls the next one with handler::invoke and, when it has
// work to do on the way out, finishes with then(). Both keep a stack of plain
// functions free of coroutine frames: a coroutine appears only where a handler
// below really is one.
#pragma once

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

}  // namespace ringkit
