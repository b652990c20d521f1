// ringkit::task<T>: the coroutine type of handlers and of the server itself.
#pragma once

#include "ringkit/core/asio.hpp"

namespace ringkit {

/// A lazily started coroutine returning T, run on an Asio executor.
/// It is asio::awaitable<T>, so any Asio asynchronous operation can be co_awaited
/// in a handler with asio::use_awaitable.
template <class T = void>
using task = asio::awaitable<T>;

}  // namespace ringkit
