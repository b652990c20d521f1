// Routing: rk::router, a handler that picks a route by method and path
// (rk::GET, rk::POST..., rk::websocket, rk::mount, rk::group; :params and
// *wildcards read with rk::path_param(req, name)), rk::files for a directory of
// static files under a prefix, and rk::path_info for handlers mounted below
// one. The rules are in routing/router.hpp's opening comment.
//
// With <ringkit/server.hpp> to serve the router; <ringkit.hpp> has it all.
#pragma once

#include "ringkit/http/path_info.hpp"
#include "ringkit/routing/files.hpp"
#include "ringkit/routing/router.hpp"
