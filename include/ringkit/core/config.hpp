// How ringkit is compiled. Header-only is the default: every definition is in
// the headers and `inline`. Define RINGKIT_SEPARATE_COMPILATION (everywhere, as
// Asio's ASIO_SEPARATE_COMPILATION) and compile <ringkit/src.hpp> in one
// translation unit of your own: the engine and what needs llhttp, zlib or
// OpenSSL is then compiled there once, and stays out of every other TU.
#pragma once

#if defined(RINGKIT_SEPARATE_COMPILATION)
#define RINGKIT_DECL
#else
#define RINGKIT_HEADER_ONLY 1
#define RINGKIT_DECL inline
#endif
