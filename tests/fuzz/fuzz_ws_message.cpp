// libFuzzer target for ws::message_reader, the receiving half of the WebSocket
// engine, fed exactly as the session feeds it.
//
// Input layout:  [flags byte] [bytes from the peer...]
//   flags bit 0   client side (frames must be unmasked), else server side
//   flags bit 1   permessage-deflate agreed (RSV1 allowed, messages inflated)
//   flags bit 2   discard_messages() from the start (a closing session)
//   flags 3..7    seed for the split points: the bytes arrive in pieces of 1..32
//
// Invariants, checked with __builtin_trap():
//   - read() never uses more than it was given, and need_more means all of it;
//   - the events are the same whether the bytes arrive at once or in pieces
//     (with deflate, a failure's code may differ: a payload both corrupt and
//     invalid UTF-8 fails as whichever shows first, and that depends on the cut);
//   - a delivered message is within max_message, a text one is valid UTF-8;
//   - after close or failed, done() holds and nothing more is reported;
//   - a failure's code is 1002, 1007 or 1009; a close's code is valid or 1005;
//   - the client's reader (frames from a server) reads what the server's reads with
//     every mask flipped: a stream of unmasked frames gives the events the same
//     frames masked (keys from the seed) give a server, and a masked frame fails
//     the client with 1002 exactly where its unmasked twin fails the server.
#include "ringkit/ws/message_reader.hpp"
#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace ringkit::ws;

constexpr std::size_t max_message = 4096;

std::vector<std::string> run(std::uint8_t flags, const std::string& wire, bool split) {
    std::optional<deflate_params> deflate;
    if (flags & 2) deflate = deflate_params{};
    message_reader r(max_message, deflate, (flags & 1) == 0);
    if (flags & 4) r.discard_messages();
    std::vector<std::string> events;
    std::string buf = wire;  // read() unmasks in place
    std::size_t at = 0;
    unsigned seed = flags >> 3;
    while (at < buf.size()) {
        std::size_t piece = buf.size() - at;
        if (split) {
            seed = seed * 1103515245U + 12345U;
            piece = std::min<std::size_t>(piece, 1 + (seed >> 16) % 32);
        }
        std::span<char> in(buf.data() + at, piece);
        while (!in.empty()) {
            const bool was_done = r.done();
            auto [ev, used] = r.read(in);
            FUZZ_CHECK(used <= in.size());
            if (ev == read_event::need_more) FUZZ_CHECK(used == in.size());
            if (was_done) FUZZ_CHECK(ev == read_event::need_more);
            in = in.subspan(used);
            switch (ev) {
            case read_event::need_more: break;
            case read_event::message: {
                FUZZ_CHECK((flags & 4) == 0);
                auto m = r.take_message();
                FUZZ_CHECK(m.data.size() <= max_message);
                if (m.is_text()) FUZZ_CHECK(is_valid_utf8(m.data));
                events.push_back((m.is_text() ? "t" : "b") + m.data);
                break;
            }
            case read_event::ping: events.push_back("i" + std::string(r.control())); break;
            case read_event::pong: events.push_back("o" + std::string(r.control())); break;
            case read_event::close: {
                FUZZ_CHECK(r.done());
                auto code = r.peer_close().code;
                FUZZ_CHECK(code == close_code::no_status || is_valid_close_code(code));
                events.push_back("c" + std::to_string(code) + std::string(r.peer_close().reason));
                break;
            }
            case read_event::failed: {
                FUZZ_CHECK(r.done());
                auto code = r.failure().code;
                FUZZ_CHECK(code == 1002 || code == 1007 || code == 1009);
                events.push_back((flags & 2) ? "f" : "f" + std::to_string(code));
                break;
            }
            }
        }
        at += piece;
    }
    return events;
}

// `wire` (a server's frames, for a client) as a client would send the same frames:
// each header's mask bit flipped, an unmasked frame masked with a key from `seed`
// (its payload, as far as the bytes go, masked with it), and at the first masked
// frame, which fails a client on its first two bytes, the rest left as it is.
std::string flip_masks(const std::string& wire, unsigned seed) {
    std::string out;
    std::size_t at = 0;
    while (wire.size() - at >= 2) {
        const auto b1 = static_cast<std::uint8_t>(wire[at + 1]);
        const std::size_t len7 = b1 & 0x7fU, ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
        out += wire[at];
        out += static_cast<char>(b1 ^ 0x80U);
        at += 2;
        if ((b1 & 0x80U) != 0 || wire.size() - at < ext) break;  // fails the client, or a header cut short
        std::uint64_t length = len7;
        if (ext != 0) {
            length = 0;
            for (std::size_t i = 0; i < ext; ++i) length = (length << 8) | static_cast<std::uint8_t>(wire[at + i]);
        }
        out.append(wire, at, ext);
        at += ext;
        seed = seed * 1103515245U + 12345U;
        const std::uint32_t key = seed;
        char k[4];
        std::memcpy(k, &key, 4);
        out.append(k, 4);
        const std::size_t available = length < wire.size() - at ? static_cast<std::size_t>(length) : wire.size() - at;
        std::string payload = wire.substr(at, available);
        apply_mask(payload, key, 0);
        out += payload;
        at += available;
    }
    out.append(wire, at);
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t flags = data[0];
    std::string wire(reinterpret_cast<const char*>(data + 1), size - 1);
    const auto events = run(flags, wire, false);
    FUZZ_CHECK(events == run(flags, wire, true));
    if (flags & 1) FUZZ_CHECK(events == run(flags & ~1U, flip_masks(wire, flags), false));
    return 0;
}
