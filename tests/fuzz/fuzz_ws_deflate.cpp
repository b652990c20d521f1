// libFuzzer target for permessage-deflate (ringkit/ws/deflate.hpp).
//
// Input layout:  [params byte] [split byte] [bytes...]
//   params bits 0..2   window bits 9 + (0..6, 7 → 15)
//   params bit 3       no context takeover (inflater reset per message)
//   params bits 4..7   size cap for inflating: 0, 1, 7, 64, 255, 4 KiB, ... 1 MiB
//   split byte         seed for where the bytes are cut into messages and frames
//
// Two runs over the same bytes:
//   1. The bytes as compressed client messages, inflated with the size cap, each
//      message once as a single frame and once in several frames by a second
//      inflater. Invariants: when both succeed their outputs are equal, else they
//      agree on what both produced, and with a 15-bit window they agree on success
//      (below it zlib may accept a distance beyond the window in one framing only);
//      `out` never holds more than cap + 1 bytes, ok never more than cap; too_big
//      means more than cap; after a failure the inflater stays failed.
//   2. The bytes as plain messages: compressed by a deflater with the same window
//      and context-takeover setting (and level/memLevel from the split byte), then
//      inflated in frames with the cap set to the message's exact size. Invariants:
//      every message comes back exactly, never too_big at its own size (and too_big
//      one byte under it); compressed output is never empty; without context
//      takeover the second message compresses as it would alone.
#include "ringkit/ws/deflate.hpp"
#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using ringkit::ws::deflate_options;
using ringkit::ws::deflate_params;
using ringkit::ws::deflater;
using ringkit::ws::inflate_status;
using ringkit::ws::inflater;

class prng {
public:
    explicit prng(std::uint32_t seed) : x_(seed * 2654435761u + 0x9e3779b9u) {}
    std::uint32_t next() {
        x_ ^= x_ << 13;
        x_ ^= x_ >> 17;
        x_ ^= x_ << 5;
        return x_;
    }

private:
    std::uint32_t x_;
};

constexpr std::size_t caps[16] = {0,     1,     7,      64,     255,    4096,   16384,  16385,
                                  32768, 65536, 100000, 200000, 262144, 500000, 800000, 1 << 20};

// Cuts `data` into messages of 0..~2x average size.
std::vector<std::string_view> cut(std::string_view data, prng& rng, std::size_t average) {
    std::vector<std::string_view> out;
    while (!data.empty()) {
        std::size_t n = rng.next() % (2 * average + 1);
        if (n > data.size()) n = data.size();
        out.push_back(data.substr(0, n));
        data.remove_prefix(n);
        if (out.size() > 64) break;
    }
    if (rng.next() % 4 == 0) out.push_back({});  // an empty message
    return out;
}

// Inflates one message in frames of random sizes (possibly empty ones).
inflate_status inflate_frames(inflater& in, std::string_view msg, std::string& out, std::size_t cap, prng& rng) {
    do {
        std::size_t n = rng.next() % (msg.size() + 2);
        if (n > msg.size()) n = msg.size();
        const bool last = n == msg.size() && rng.next() % 2 == 0;
        auto st = in.inflate(msg.substr(0, n), out, last, cap);
        FUZZ_CHECK(out.size() <= cap + 1);
        if (st != inflate_status::ok) return st;
        msg.remove_prefix(n);
        if (last) return st;
    } while (true);
}

void inflate_arbitrary(std::string_view data, int bits, bool reset, std::size_t cap, prng& rng) {
    inflater whole(bits, reset), framed(bits, reset);
    bool whole_failed = false, framed_failed = false;
    for (auto msg : cut(data, rng, 200)) {
        std::string a, b;
        const auto sa = whole.inflate(msg, a, true, cap);
        FUZZ_CHECK(a.size() <= cap + 1);
        FUZZ_CHECK(sa != inflate_status::ok || a.size() <= cap);
        FUZZ_CHECK(sa != inflate_status::too_big || a.size() > cap);
        const auto sb = inflate_frames(framed, msg, b, cap, rng);
        FUZZ_CHECK(sb != inflate_status::ok || b.size() <= cap);
        whole_failed = sa != inflate_status::ok;
        framed_failed = sb != inflate_status::ok;
        if (!whole_failed && !framed_failed) {
            FUZZ_CHECK(a == b);
            continue;
        }
        // With a window under 15 bits zlib checks distances against the data it holds,
        // which within one call may exceed the window: data overstepping the agreed
        // window can be refused in one framing and decoded in another. With a full
        // window (and always for what both decoded) the framing makes no difference.
        if (bits == 15) FUZZ_CHECK(whole_failed == framed_failed);
        const std::size_t common = a.size() < b.size() ? a.size() : b.size();
        FUZZ_CHECK(a.compare(0, common, b, 0, common) == 0);
        break;
    }
    // A failed inflater stays failed.
    const std::string_view empty_block("\0", 1);
    std::string out;
    if (whole_failed) FUZZ_CHECK(whole.inflate(empty_block, out, true, cap) == inflate_status::error);
    if (framed_failed) FUZZ_CHECK(framed.inflate(empty_block, out, true, cap) == inflate_status::error);
}

void round_trip(std::string_view data, int bits, bool reset, std::uint8_t split, prng& rng) {
    deflate_options opt;
    opt.enabled = true;
    opt.level = split % 10;
    opt.mem_level = 1 + (split >> 4) % 9;
    deflate_params params;
    params.server_max_window_bits = bits;
    params.server_no_context_takeover = reset;
    deflater d(opt, params);
    inflater in(bits, reset);
    std::string compressed, out, alone;
    std::size_t index = 0;
    for (auto msg : cut(data, rng, 600)) {
        d.compress(msg, compressed);
        FUZZ_CHECK(!compressed.empty());
        // Without context takeover the second message compresses as if alone (a
        // fresh deflater costs up to 256 KiB of zlib state: once per input).
        if (reset && index == 1) {
            deflater fresh(opt, params);
            fresh.compress(msg, alone);
            FUZZ_CHECK(alone == compressed);
        }
        if (index == 0 && !msg.empty()) {  // one byte short of the cap: too big
            inflater tight(bits, reset);
            FUZZ_CHECK(tight.inflate(compressed, out, true, msg.size() - 1) == inflate_status::too_big);
            out.clear();
        }
        ++index;
        const auto st = inflate_frames(in, compressed, out, msg.size(), rng);
        FUZZ_CHECK(st == inflate_status::ok);
        FUZZ_CHECK(out == msg);
        out.clear();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (!ringkit::ws::deflate_available || size < 2) return 0;
    const int bits = (data[0] & 7) == 7 ? 15 : 9 + (data[0] & 7);
    const bool reset = (data[0] & 8) != 0;
    const std::size_t cap = caps[data[0] >> 4];
    const std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);
    prng rng(data[1]);
    inflate_arbitrary(bytes, bits, reset, cap, rng);
    round_trip(bytes, bits, reset, data[1], rng);
    return 0;
}
