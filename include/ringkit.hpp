// ringkit, all of it: <ringkit/server.hpp> (handlers, the server, channels and
// WebSocket), <ringkit/router.hpp> (routing), <ringkit/middleware.hpp> (all
// middleware) and <ringkit/json.hpp> (JSON responses and bodies), plus the
// building blocks they are made of (the HTTP parser and serializer, URLs, the
// WebSocket frame codec...).
//
// Convenient, and the slowest to compile: a translation unit that includes only
// the umbrellas it uses parses seconds less.
#pragma once

#include "ringkit/json.hpp"
#include "ringkit/middleware.hpp"
#include "ringkit/router.hpp"
#include "ringkit/server.hpp"

#include "ringkit/core/exception.hpp"
#include "ringkit/core/type_map.hpp"
#include "ringkit/http/headers.hpp"
#include "ringkit/http/method.hpp"
#include "ringkit/http/parser.hpp"
#include "ringkit/http/serializer.hpp"
#include "ringkit/http/status.hpp"
#include "ringkit/http/url.hpp"
#include "ringkit/routing/trie.hpp"
#include "ringkit/server/connection.hpp"
