// The part of Asio every ringkit header needs: coroutines (awaitable,
// use_awaitable, co_spawn, detached), the (error_code, result...) completion
// token, and the executor test running_in(). Only these, because all of
// <asio.hpp> costs every translation unit seconds: a header that uses sockets,
// timers, posts or pools includes that Asio header itself.
#pragma once

// Asio reads its configuration at its first header, so what this file sets must
// come before any Asio header; CMake's ringkit::ringkit defines both macros below
// for every file, and this catches the rest instead of a page of Asio errors.
#if defined(ASIO_DETAIL_CONFIG_HPP) && !defined(ASIO_NO_DEPRECATED)
#error \
    "ringkit: define ASIO_NO_DEPRECATED (and ASIO_STANDALONE) for every file, or include ringkit before any Asio header"
#endif
#ifndef ASIO_STANDALONE
#define ASIO_STANDALONE
#endif
#ifndef ASIO_NO_DEPRECATED
#define ASIO_NO_DEPRECATED
#endif

// Asio 1.22 enables co_await for clang only when <experimental/coroutine> exists,
// which libstdc++ does not ship; clang 14 has C++20 coroutines and <coroutine>.
#if defined(__clang__) && !defined(ASIO_HAS_CO_AWAIT) && defined(__cpp_impl_coroutine) && __has_include(<coroutine>)
#if defined(ASIO_DETAIL_CONFIG_HPP)
#error \
    "ringkit: include ringkit before any Asio header (under clang it turns on Asio's co_await), or define ASIO_HAS_CO_AWAIT=1"
#endif
#define ASIO_HAS_CO_AWAIT 1
#endif

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
// Asio 1.22 (Debian 12) is what ringkit builds on; there as_tuple is still
// experimental (1.24 promotes it and keeps this header as an alias).
#include <asio/experimental/as_tuple.hpp>

namespace ringkit::detail {
/// Completion token for coroutines that want (error_code, result...) instead of exceptions.
inline constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
}  // namespace ringkit::detail

namespace ringkit::detail {
/// Whether the caller runs inside `ex` (an io_context's run() on this thread).
/// Unknown executor kinds say no, which costs a post, never correctness.
inline bool running_in(const asio::any_io_executor& ex) noexcept {
    if (auto* io = ex.target<asio::io_context::executor_type>()) return io->running_in_this_thread();
    return false;
}
}  // namespace ringkit::detail
