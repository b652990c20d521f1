// Unpredictable bytes from the kernel's CSPRNG: session keys and tokens
// (middleware/), the WebSocket client's handshake key and frame masks (ws/).
#pragma once

#include <sys/random.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <system_error>

namespace ringkit::detail {

// Bytes from the kernel's CSPRNG (getrandom(2), which blocks only before the
// pool is first seeded at boot). Throws std::system_error if the kernel refuses.
inline void random_bytes(void* out, std::size_t n) {
    auto* p = static_cast<unsigned char*>(out);
    while (n > 0) {
        const ssize_t got = ::getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "ringkit: getrandom");
        }
        p += got;
        n -= static_cast<std::size_t>(got);
    }
}

/// A fresh 4-byte WebSocket masking key (RFC 6455 §5.3) for each frame a client
/// sends. §10.3 asks that the application cannot predict the next key from the
/// ones it has seen: each key is 32 bits from the kernel's CSPRNG, used once and
/// never exposed before its frame is written. They are fetched 64 at a time into
/// a buffer of the calling thread: one getrandom(2) per 64 frames, no lock. (A
/// fork()ed child inherits the unused rest of the buffer, so parent and child may
/// each use a few of the same keys once.)
inline std::uint32_t random_mask_key() {
    struct pool {
        std::uint32_t keys[64];
        unsigned left = 0;
    };
    thread_local pool p;
    if (p.left == 0) {
        random_bytes(p.keys, sizeof p.keys);
        p.left = 64;
    }
    return p.keys[--p.left];
}

}  // namespace ringkit::detail
