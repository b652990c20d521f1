// The WebSocket frame codec (RFC 6455 §5.2): decode and encode the 2-14 byte frame
// header, and unmask payloads. Pure functions over bytes, no sockets: the connection
// reads, calls decode_header on what it has, and unmasks the payload in whatever
// pieces it arrives in.
//
//   byte 0   FIN RSV1 RSV2 RSV3 opcode(4)
//   byte 1   MASK length(7)              length 126: 16-bit length follows,
//   [2 or 8 bytes extended length]       127: 64-bit length follows (big-endian)
//   [4 bytes masking key]                present when MASK is set
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

namespace ringkit::ws {

/// Which end of the connection this side is: a client masks every frame it
/// sends and refuses masked ones; a server the reverse (RFC 6455 §5.1).
enum class role : std::uint8_t { server, client };

enum class opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

/// Close, ping and pong: at most 125 bytes, never fragmented, may arrive between
/// the frames of a fragmented message.
constexpr bool is_control(opcode op) noexcept { return (static_cast<std::uint8_t>(op) & 0x8) != 0; }

struct frame_header {
    bool fin = true, rsv1 = false, rsv2 = false, rsv3 = false;
    opcode op = opcode::text;
    bool masked = false;
    std::uint32_t mask_key =
        0;  // the 4 key bytes as they appear on the wire, loaded with memcpy (native order); 0 unmasked
    std::uint64_t length = 0;  // payload bytes that follow the header
    std::size_t size = 0;      // bytes of the header itself (2..14)

    bool operator==(const frame_header&) const = default;
};

enum class header_status { ok, need_more, protocol_error };  // protocol_error → the caller closes with 1002

/// What the receiving side demands of the peer. A server requires masked frames; a
/// client (require_mask = false) refuses them. allow_rsv1 once permessage-deflate
/// has been negotiated.
struct decode_rules {
    bool require_mask = true;
    bool allow_rsv1 = false;
};

inline constexpr std::size_t max_header_size = 14;
inline constexpr std::uint64_t max_control_payload = 125;

/// Reads one frame header from the start of `in`. Rejects: reserved opcodes (3-7, 11-15), RSV2/RSV3 set,
/// RSV1 unless allowed (and RSV1 on control frames always), unmasked frames when require_mask (and masked
/// ones when !require_mask — client side), control frames that are not FIN or longer than 125, non-minimal
/// length encodings (126 form < 126, 127 form < 65536), 64-bit lengths with the top bit set.
/// Sets `why` (static string) on protocol_error for logs/close reasons.
/// `out` is written only on ok. Errors visible in the first two bytes are reported
/// as soon as those two bytes are there, without waiting for the rest of the header.
/// Whether a continuation may follow (and RSV1 only on a message's first frame) is
/// message state, left to the caller.
inline header_status decode_header(std::span<const char> in, frame_header& out, const decode_rules& rules,
                                   const char** why = nullptr) noexcept {
    auto fail = [why](const char* reason) {
        if (why) *why = reason;
        return header_status::protocol_error;
    };
    if (in.size() < 2) return header_status::need_more;
    const auto b0 = static_cast<std::uint8_t>(in[0]);
    const auto b1 = static_cast<std::uint8_t>(in[1]);

    frame_header h;
    h.fin = (b0 & 0x80) != 0;
    h.rsv1 = (b0 & 0x40) != 0;
    h.rsv2 = (b0 & 0x20) != 0;
    h.rsv3 = (b0 & 0x10) != 0;
    const std::uint8_t op = b0 & 0x0f;
    h.op = static_cast<opcode>(op);
    h.masked = (b1 & 0x80) != 0;
    const std::uint8_t len7 = b1 & 0x7f;

    if ((op >= 3 && op <= 7) || op >= 11) return fail("reserved opcode");
    if (h.rsv2 || h.rsv3) return fail("RSV2/RSV3 set without a negotiated extension");
    if (h.rsv1) {
        if (is_control(h.op)) return fail("RSV1 set on a control frame");
        if (!rules.allow_rsv1) return fail("RSV1 set without a negotiated extension");
    }
    if (rules.require_mask && !h.masked) return fail("unmasked frame from a client");
    if (!rules.require_mask && h.masked) return fail("masked frame from a server");
    if (is_control(h.op)) {
        if (!h.fin) return fail("fragmented control frame");
        if (len7 > max_control_payload) return fail("control frame longer than 125 bytes");
    }

    const std::size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    h.size = 2 + ext + (h.masked ? 4 : 0);
    if (in.size() < h.size) return header_status::need_more;

    const auto* p = reinterpret_cast<const std::uint8_t*>(in.data()) + 2;
    if (len7 == 126) {
        h.length = (std::uint64_t{p[0]} << 8) | p[1];
        if (h.length < 126) return fail("non-minimal 16-bit payload length");
    } else if (len7 == 127) {
        h.length = 0;
        for (int i = 0; i < 8; ++i) h.length = (h.length << 8) | p[i];
        if (h.length >> 63) return fail("64-bit payload length with the top bit set");
        if (h.length < 65536) return fail("non-minimal 64-bit payload length");
    } else {
        h.length = len7;
    }
    if (h.masked) std::memcpy(&h.mask_key, in.data() + 2 + ext, 4);
    out = h;
    return header_status::ok;
}

/// Writes a frame header (server frames: unmasked; pass a key to mask, for clients/tests) into `out`,
/// which must have room for max_header_size bytes; returns bytes written.
/// `length` must be below 2^63; the shortest length form is always used, so
/// decode_header accepts every header this writes (for a control frame, only
/// when fin is set, rsv1 clear and length <= 125).
inline std::size_t encode_header(char* out, opcode op, std::uint64_t length, bool fin = true, bool rsv1 = false,
                                 std::optional<std::uint32_t> mask_key = std::nullopt) noexcept {
    auto* o = reinterpret_cast<unsigned char*>(out);
    o[0] = static_cast<unsigned char>((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (static_cast<unsigned>(op) & 0x0f));
    const unsigned char mask_bit = mask_key ? 0x80 : 0;
    std::size_t n = 0;
    if (length <= 125) {
        o[1] = static_cast<unsigned char>(mask_bit | length);
        n = 2;
    } else if (length <= 0xffff) {
        o[1] = mask_bit | 126;
        o[2] = static_cast<unsigned char>(length >> 8);
        o[3] = static_cast<unsigned char>(length);
        n = 4;
    } else {
        o[1] = mask_bit | 127;
        for (int i = 0; i < 8; ++i) o[2 + i] = static_cast<unsigned char>(length >> (56 - 8 * i));
        n = 10;
    }
    if (mask_key) {
        std::memcpy(out + n, &*mask_key, 4);
        n += 4;
    }
    return n;
}

/// XORs `data` with the mask starting at key phase `offset` (bytes of this frame's payload already
/// unmasked), 8 bytes at a time; lets a payload be unmasked in pieces as it arrives.
/// Masking and unmasking are the same operation.
inline void apply_mask(std::span<char> data, std::uint32_t mask_key, std::uint64_t offset) noexcept {
    unsigned char key[4];
    std::memcpy(key, &mask_key, 4);
    // The key rotated to this phase, repeated to a word: byte i of the word masks
    // byte i of each 8-byte block, whatever the machine's byte order.
    unsigned char rotated[8];
    for (std::size_t i = 0; i < 8; ++i) rotated[i] = key[(offset + i) & 3];
    std::uint64_t k = 0;
    std::memcpy(&k, rotated, 8);

    char* p = data.data();
    std::size_t n = data.size();
    for (; n >= 32; p += 32, n -= 32) {
        std::uint64_t w[4];
        std::memcpy(w, p, 32);
        w[0] ^= k;
        w[1] ^= k;
        w[2] ^= k;
        w[3] ^= k;
        std::memcpy(p, w, 32);
    }
    for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, p, 8);
        w ^= k;
        std::memcpy(p, &w, 8);
    }
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<char>(p[i] ^ static_cast<char>(rotated[i]));
}

}  // namespace ringkit::ws
