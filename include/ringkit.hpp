// ringkit, all of it: <ringkit/server.hpp> (handlers, the server, channels and
// WebSocket), <ringkit/router.hpp> (routing), <ringkit/middleware.hpp> (all
// middleware) and <ringkit/json.hpp> (JSON responses and bodies), plus the
// building blocks they are made of (the HTTP parser and serializer, URLs, the
// WebSocket frame codec...).
//
// Convenient, and the slowest to compile: a translation unit that includes only
// the umbrellas it uses parses seconds less.
#pragma once

#include "ringkit/core/config.hpp"
#include "ringkit/json.hpp"
#include "ringkit/metrics.hpp"
#include "ringkit/middleware.hpp"
#include "ringkit/router.hpp"
#include "ringkit/server.hpp"

#include "ringkit/core/exception.hpp"
#include "ringkit/core/type_map.hpp"
#include "ringkit/http/headers.hpp"
#include "ringkit/http/method.hpp"
#include "ringkit/http/serializer.hpp"
#include "ringkit/http/status.hpp"
#include "ringkit/http/url.hpp"
#include "ringkit/routing/trie.hpp"

#if defined(RINGKIT_HEADER_ONLY)
// The engine's own parts. RINGKIT_SEPARATE_COMPILATION keeps them (and llhttp.h,
// zlib.h) in the one TU that compiles <ringkit/src.hpp>; include them by name to
// use them there.
#include "ringkit/http/parser.hpp"
#include "ringkit/server/connection.hpp"
#endif
