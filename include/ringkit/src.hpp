// The definitions that RINGKIT_SEPARATE_COMPILATION keeps out of the headers:
// include this file in exactly one translation unit of a program that defines
// RINGKIT_SEPARATE_COMPILATION everywhere (CMake: link ringkit::compiled instead).
#pragma once

#include "ringkit/core/config.hpp"

#if !defined(RINGKIT_SEPARATE_COMPILATION)
#error "<ringkit/src.hpp> is only for RINGKIT_SEPARATE_COMPILATION builds; header-only builds need nothing else"
#endif

// Each *.ipp holds the out-of-line definitions of the header of the same name
// (impl/x.ipp for x.hpp).

// The engine: the server, its connections and WebSocket sessions, the parser
// (llhttp) and permessage-deflate (zlib).
#include "ringkit/server/impl/server.ipp"

// Broadcast compression (zlib).
#include "ringkit/channel/impl/channel_set.ipp"

// Middleware whose optional dependencies (zlib, OpenSSL) stay in this TU.
#include "ringkit/middleware/impl/compress.ipp"
#include "ringkit/middleware/impl/cookie_store.ipp"
