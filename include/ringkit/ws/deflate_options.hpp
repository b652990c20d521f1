// What permessage-deflate (RFC 7692) may be and was agreed to: plain structs,
// apart from zlib itself, so server_options and the handshake can name them
// without every translation unit that configures a server parsing <zlib.h>.
//
// RINGKIT_WS_DEFLATE and deflate_available follow RINGKIT_HAS_ZLIB (which the
// ringkit::ringkit CMake target defines when it finds zlib).
#pragma once

#include <cstddef>

#if defined(RINGKIT_HAS_ZLIB) && RINGKIT_HAS_ZLIB
#define RINGKIT_WS_DEFLATE 1
#else
#define RINGKIT_WS_DEFLATE 0
#endif

namespace ringkit::ws {

/// Whether this build can compress: false when ringkit was compiled without zlib.
inline constexpr bool deflate_available = RINGKIT_WS_DEFLATE != 0;

/// What the server is willing to agree to. Window sizes are base-2 logarithms.
struct deflate_options {
    bool enabled = false;
    int server_max_window_bits = 15;          ///< 9..15 (never 8: zlib cannot deflate with an 8-bit window)
    int client_max_window_bits = 15;          ///< 9..15: the most we ask clients for when they allow it
    bool server_no_context_takeover = false;  ///< forget our compression context after each message (less memory)
    bool client_no_context_takeover = false;  ///< ask clients to do the same (we then reset our inflater too)
    int level = 6, mem_level = 8;             ///< zlib compression level (0..9) and memLevel (1..9)
    std::size_t min_size = 64;                ///< messages smaller than this are sent uncompressed (RSV1 clear)
};

/// What was agreed for one connection.
struct deflate_params {
    int server_max_window_bits = 15;          ///< the window we compress with, 9..15
    int client_max_window_bits = 15;          ///< the most the client compresses with, 8..15
    bool server_no_context_takeover = false;  ///< we reset our compressor after each message
    bool client_no_context_takeover = false;  ///< the client resets its compressor after each message
    /// The offer named server_max_window_bits, so the answer must name it too, even
    /// at 15 (RFC 7692 §7.1.2.1).
    bool echo_server_max_window_bits = false;

    friend bool operator==(const deflate_params&, const deflate_params&) = default;
};

/// The agreement as the other end uses it. The engine (reader, writer, channel_set)
/// reads deflate_params as the server does: server_* is what it compresses,
/// client_* what its peer does. A client's session is given the agreement with
/// the two sides swapped, and then needs no code of its own for either.
constexpr deflate_params swap_sides(const deflate_params& p) noexcept {
    deflate_params s;
    s.server_max_window_bits = p.client_max_window_bits;
    s.client_max_window_bits = p.server_max_window_bits;
    s.server_no_context_takeover = p.client_no_context_takeover;
    s.client_no_context_takeover = p.server_no_context_takeover;
    return s;
}

}  // namespace ringkit::ws
