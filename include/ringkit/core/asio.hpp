// The one place that knows which Asio release is in use. Asio 1.22 (Debian 12)
// keeps as_tuple and awaitable operators in asio::experimental; later releases
// promote them. Everything else in ringkit spells them through this header.
#pragma once

#ifndef ASIO_STANDALONE
#define ASIO_STANDALONE
#endif
#ifndef ASIO_NO_DEPRECATED
#define ASIO_NO_DEPRECATED
#endif

// Asio 1.22 enables co_await for clang only when <experimental/coroutine> exists,
// which libstdc++ does not ship; clang 14 has C++20 coroutines and <coroutine>.
#if defined(__clang__) && !defined(ASIO_HAS_CO_AWAIT) && defined(__cpp_impl_coroutine) && __has_include(<coroutine>)
#define ASIO_HAS_CO_AWAIT 1
#endif

#include <asio.hpp>
#include <asio/version.hpp>

#if ASIO_VERSION < 102400
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
namespace ringkit::detail::net_compat {
using asio::experimental::as_tuple;
namespace awaitable_operators = asio::experimental::awaitable_operators;
}  // namespace ringkit::detail::net_compat
#else
namespace ringkit::detail::net_compat {
using asio::as_tuple;
namespace awaitable_operators = asio::experimental::awaitable_operators;
}  // namespace ringkit::detail::net_compat
#endif

namespace ringkit::detail {
/// Completion token for coroutines that want (error_code, result...) instead of exceptions.
inline constexpr auto use_tuple = net_compat::as_tuple(asio::use_awaitable);
}  // namespace ringkit::detail

namespace ringkit::detail {
/// Whether the caller runs inside `ex` (an io_context's run() on this thread).
/// Unknown executor kinds say no, which costs a post, never correctness.
inline bool running_in(const asio::any_io_executor& ex) noexcept {
    if (auto* io = ex.target<asio::io_context::executor_type>()) return io->running_in_this_thread();
    return false;
}
}  // namespace ringkit::detail
