// Serving: everything a program needs to run handlers over HTTP/1.1 and
// WebSocket, and nothing it may not use (no router, no middleware, no JSON).
//
//  - the handler's values: rk::request, rk::response (text, html, bytes, file,
//    stream, redirect) and rk::handler, the function type both kinds of handler
//    (coroutine or plain) convert to; rk::task<T>, the coroutine type;
//  - rk::server and its rk::server_options, rk::run_until_signal;
//  - rk::blocking and the rk::worker_pool behind it, for handlers that block;
//  - channels: rk::as_channel (HTTP-Kit's callbacks, WebSocket or long poll),
//    rk::channel and rk::channel_set (broadcast), ws::accept and its co_await
//    ws::stream, Ring's rk::ws::listener, and Server-Sent Events (rk::sse).
//
// rk::response::json needs <ringkit/json.hpp> as well; routing is in
// <ringkit/router.hpp>, middleware in <ringkit/middleware.hpp>, all of it in
// <ringkit.hpp>.
#pragma once

#include "ringkit/core/task.hpp"
#include "ringkit/http/handler.hpp"
#include "ringkit/http/request.hpp"
#include "ringkit/http/response.hpp"
#include "ringkit/http/sse.hpp"
#include "ringkit/server/options.hpp"
#include "ringkit/server/server.hpp"
#include "ringkit/server/worker_pool.hpp"
#include "ringkit/version.hpp"
#include "ringkit/channel/channel.hpp"
#include "ringkit/channel/channel_set.hpp"
#include "ringkit/ws/listener.hpp"
#include "ringkit/ws/upgrade.hpp"
