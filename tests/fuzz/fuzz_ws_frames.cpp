// libFuzzer target for the WebSocket frame codec, UTF-8 validator and close payloads,
// driven the way a connection reads a stream of frames.
//
// Input layout:  [flags byte] [frame bytes...]
//   flags bit 0   client side: decode_rules{.require_mask = false} (else a server's rules)
//   flags bit 1   RSV1 allowed (permessage-deflate negotiated)
//   flags 2..7    seed for the split points at which payloads are unmasked and
//                 text is validated in pieces
//
// The loop decodes a header, takes its payload (cut short at the end of the input),
// unmasks it, and then: text and its continuations go through an incremental
// utf8_validator, close payloads through parse_close_payload. It stops where a
// connection would close (protocol error, bad UTF-8, bad close, bad fragmentation)
// or at the end of the input. Invariants are checked with __builtin_trap():
//   - decode(encode(h)) == h and encode(decode(bytes)) == bytes for accepted headers,
//     every shorter prefix of an accepted header is need_more, and an accepted header
//     obeys every rule decode_header promises;
//   - unmasking in pieces equals unmasking at once equals the definition;
//   - the incremental validator agrees with is_valid_utf8 and with a plain reference
//     decoder, fails exactly when the bytes so far can no longer begin valid UTF-8,
//     and stays failed;
//     (also for the raw input taken as one text message);
//   - parse_close_payload accepts exactly the valid codes with UTF-8 reasons, and
//     append_close_payload writes what it parses.
#include "ringkit/ws/frame.hpp"
#include "fuzz_check.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ringkit/ws/close.hpp"
#include "ringkit/ws/utf8.hpp"

namespace {

using namespace ringkit::ws;

// A plain RFC 3629 decoder, independent of the DFA under test: the length of the
// character at s[i] (1-4), 0 if it is invalid, -1 if the input ends inside it.
int reference_char(std::string_view s, std::size_t i) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp, min;
    if (b < 0x80) return 1;
    if ((b & 0xe0) == 0xc0) {
        n = 1;
        cp = b & 0x1f;
        min = 0x80;
    } else if ((b & 0xf0) == 0xe0) {
        n = 2;
        cp = b & 0x0f;
        min = 0x800;
    } else if ((b & 0xf8) == 0xf0) {
        n = 3;
        cp = b & 0x07;
        min = 0x10000;
    } else return 0;
    if (i + n + 1 > s.size()) return -1;
    for (std::size_t k = 1; k <= n; ++k) {
        auto c = static_cast<unsigned char>(s[i + k]);
        if ((c & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return static_cast<int>(n + 1);
}

bool reference_valid(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const int n = reference_char(s, i);
        if (n <= 0) return false;
        i += static_cast<std::size_t>(n);
    }
    return true;
}

// Whether some continuation makes `s` valid, scanning on from `boundary` (the end of
// the last complete character, kept between calls so a message is scanned once).
// A valid prefix ends in at most one open sequence, and padding it with 0x80s, or
// 0xBF then 0x80s, closes it whenever anything can: the only second-byte limits are
// the ranges after E0, ED, F0 and F4, each of which holds 0x80 or 0xBF.
bool reference_prefix_ok(std::string_view s, std::size_t& boundary) {
    while (boundary < s.size()) {
        const int n = reference_char(s, boundary);
        if (n == 0) return false;
        if (n > 0) {
            boundary += static_cast<std::size_t>(n);
            continue;
        }
        static constexpr std::string_view pads[] = {"\x80", "\x80\x80", "\x80\x80\x80",
                                                    "\xbf", "\xbf\x80", "\xbf\x80\x80"};
        const std::string tail(s.substr(boundary));
        for (auto pad : pads)
            if (reference_valid(tail + std::string(pad))) return true;
        return false;
    }
    return true;
}

class splitter {
public:
    explicit splitter(std::uint32_t seed) : state_(seed * 2654435761u + 1) {}
    std::size_t next() {  // 0 .. 16, with 0 meaning an empty piece
        state_ = state_ * 1103515245u + 12345u;
        return (state_ >> 16) % 17;
    }

private:
    std::uint32_t state_;
};

void check_header_round_trip(std::string_view in, const frame_header& h, const decode_rules& rules) {
    FUZZ_CHECK(h.size >= 2 && h.size <= max_header_size && h.size <= in.size());
    FUZZ_CHECK(!h.rsv2 && !h.rsv3);
    FUZZ_CHECK(!h.rsv1 || (rules.allow_rsv1 && !is_control(h.op)));
    FUZZ_CHECK(h.masked == rules.require_mask);
    const auto op = static_cast<unsigned>(h.op);
    FUZZ_CHECK(op <= 2 || (op >= 8 && op <= 10));
    if (is_control(h.op)) FUZZ_CHECK(h.fin && h.length <= max_control_payload);
    FUZZ_CHECK(h.length < (std::uint64_t{1} << 63));
    if (!h.masked) FUZZ_CHECK(h.mask_key == 0);

    char buf[max_header_size];
    const auto n = encode_header(buf, h.op, h.length, h.fin, h.rsv1,
                                 h.masked ? std::optional<std::uint32_t>(h.mask_key) : std::nullopt);
    FUZZ_CHECK(n == h.size);
    FUZZ_CHECK(std::memcmp(buf, in.data(), n) == 0);  // only minimal forms are accepted
    frame_header again;
    FUZZ_CHECK(decode_header(std::span<const char>(buf, n), again, rules) == header_status::ok);
    FUZZ_CHECK(again == h);
    for (std::size_t cut = 0; cut < h.size; ++cut) {
        frame_header partial;
        FUZZ_CHECK(decode_header(in.substr(0, cut), partial, rules) == header_status::need_more);
    }
}

void check_rejected_header(std::string_view in, const decode_rules& rules, const char* why) {
    FUZZ_CHECK(why != nullptr && why[0] != '\0');
    // No prefix is accepted, and more bytes never turn an error back into need_more.
    bool error_seen = false;
    for (std::size_t cut = 0; cut <= in.size() && cut <= max_header_size; ++cut) {
        frame_header h;
        const auto s = decode_header(in.substr(0, cut), h, rules);
        FUZZ_CHECK(s != header_status::ok);
        if (error_seen) FUZZ_CHECK(s == header_status::protocol_error);
        error_seen = s == header_status::protocol_error;
    }
}

void check_unmask(std::string_view masked, std::uint32_t key, std::uint64_t offset, splitter& split, std::string& out) {
    out.assign(masked);
    apply_mask(out, key, offset);
    unsigned char k[4];
    std::memcpy(k, &key, 4);
    for (std::size_t i = 0; i < out.size(); ++i)
        FUZZ_CHECK(static_cast<unsigned char>(out[i]) == (static_cast<unsigned char>(masked[i]) ^ k[(offset + i) & 3]));
    std::string pieces(masked);
    for (std::size_t at = 0; at < pieces.size();) {
        const std::size_t len = std::min(split.next() * 3, pieces.size() - at);
        apply_mask(std::span<char>(pieces.data() + at, len), key, offset + at);
        at += len;
    }
    FUZZ_CHECK(pieces == out);
}

void check_close(std::string_view payload) {
    close_payload p;
    const auto r = parse_close_payload(payload, p);
    if (payload.empty()) {
        FUZZ_CHECK(r == close_parse::ok && p.code == close_code::no_status && p.reason.empty());
        return;
    }
    const auto code = payload.size() >= 2 ? static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                                                       static_cast<unsigned char>(payload[1]))
                                          : std::uint16_t{0};
    if (payload.size() == 1 || !is_valid_close_code(code)) {
        FUZZ_CHECK(r == close_parse::protocol_error);
        return;
    }
    const auto reason = payload.substr(2);
    if (!reference_valid(reason)) {
        FUZZ_CHECK(r == close_parse::invalid_utf8);
        return;
    }
    FUZZ_CHECK(r == close_parse::ok && p.code == code && p.reason == reason);
    std::string rebuilt;
    append_close_payload(rebuilt, p.code, p.reason);
    FUZZ_CHECK(rebuilt == payload);
}

// append_close_payload with any code and reason writes something a peer accepts.
void check_close_builder(std::uint16_t code, std::string_view reason) {
    std::string out;
    append_close_payload(out, code, reason);
    close_payload p;
    const auto r = parse_close_payload(out, p);
    if (out.empty()) {
        FUZZ_CHECK(code == close_code::no_status || code == close_code::abnormal || code == close_code::tls_handshake);
        return;
    }
    FUZZ_CHECK(out.size() <= 125);
    FUZZ_CHECK(r == (is_valid_close_code(code) ? close_parse::ok : close_parse::protocol_error));
    if (r != close_parse::ok) return;
    FUZZ_CHECK(p.code == code);
    FUZZ_CHECK(reason.substr(0, p.reason.size()) == p.reason);  // a prefix, cut only to fit or at a bad byte
    if (reason.size() <= 123 && reference_valid(reason)) FUZZ_CHECK(p.reason == reason);
    if (reason.size() > 123 && reference_valid(reason)) FUZZ_CHECK(p.reason.size() + 3 >= 123);
}

struct message_state {
    bool open = false;  // a fragmented data message is in progress
    bool text = false;
    bool compressed = false;  // RSV1 on the first frame: the bytes are deflated, not text
    utf8_validator utf8;
    std::string bytes;         // the text so far
    std::size_t boundary = 0;  // for reference_prefix_ok
};

// Feeds one frame's unmasked text to the validator in pieces; false once it fails.
bool feed_text(message_state& m, std::string_view data, splitter& split) {
    bool ok = m.utf8.ok();
    for (std::size_t at = 0; at <= data.size();) {
        const std::size_t len = std::min(split.next(), data.size() - at);
        const auto piece = data.substr(at, len);
        const bool fed = m.utf8.feed(piece);
        FUZZ_CHECK(fed == m.utf8.ok());
        FUZZ_CHECK(ok || !fed);  // sticky
        m.bytes.append(piece);
        FUZZ_CHECK(fed == reference_prefix_ok(m.bytes, m.boundary));  // fail fast, never early
        ok = fed;
        at += len;
        if (at == data.size()) break;
    }
    return ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t flags = data[0];
    const decode_rules rules{.require_mask = !(flags & 1), .allow_rsv1 = (flags & 2) != 0};
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    splitter split(flags >> 2);

    // One header built from arbitrary fields, through encode and back.
    if (in.size() >= 13) {
        std::uint64_t length;
        std::uint32_t key;
        std::memcpy(&length, in.data(), 8);
        std::memcpy(&key, in.data() + 8, 4);
        const auto b = static_cast<std::uint8_t>(in[12]);
        const opcode ops[] = {opcode::continuation, opcode::text, opcode::binary,
                              opcode::close,        opcode::ping, opcode::pong};
        const opcode op = ops[b % 6];
        length >>= (b >> 3) & 63;  // all magnitudes, not only huge ones
        length &= ~(std::uint64_t{1} << 63);
        const bool fin = (b & 0x40) || is_control(op), rsv1 = rules.allow_rsv1 && (b & 0x80) && !is_control(op);
        if (is_control(op)) length %= 126;
        char buf[max_header_size];
        const auto n = encode_header(buf, op, length, fin, rsv1,
                                     rules.require_mask ? std::optional<std::uint32_t>(key) : std::nullopt);
        frame_header h;
        FUZZ_CHECK(decode_header(std::span<const char>(buf, n), h, rules) == header_status::ok);
        FUZZ_CHECK(h.op == op && h.length == length && h.fin == fin && h.rsv1 == rsv1 && h.size == n);
        FUZZ_CHECK(h.mask_key == (rules.require_mask ? key : 0));
        check_close_builder(static_cast<std::uint16_t>(length), in.substr(13));
    }

    // The raw bytes as one text message too, so the fuzzer steers UTF-8 directly
    // without having to get through headers and masks.
    {
        message_state raw;
        splitter raw_split(flags);
        const bool fed = feed_text(raw, in, raw_split);
        FUZZ_CHECK((fed && raw.utf8.complete()) == is_valid_utf8(in));
        FUZZ_CHECK(is_valid_utf8(in) == reference_valid(in));
    }

    message_state msg;
    std::string payload;
    while (!in.empty()) {
        frame_header h;
        const char* why = nullptr;
        const auto status = decode_header(in, h, rules, &why);
        if (status == header_status::need_more) {
            FUZZ_CHECK(in.size() < max_header_size);
            break;
        }
        if (status == header_status::protocol_error) {
            check_rejected_header(in, rules, why);
            break;
        }
        check_header_round_trip(in, h, rules);
        in.remove_prefix(h.size);

        const std::size_t available = h.length < in.size() ? static_cast<std::size_t>(h.length) : in.size();
        const bool whole = available == h.length;
        if (h.masked) check_unmask(in.substr(0, available), h.mask_key, 0, split, payload);
        else payload.assign(in.substr(0, available));
        in.remove_prefix(available);

        if (is_control(h.op)) {
            if (!whole) break;  // a connection waits for the rest
            if (h.op == opcode::close) {
                check_close(payload);
                break;  // nothing is read after a close
            }
            continue;  // ping/pong may come between fragments
        }
        // Data frames: fragmentation rules are the caller's; a connection closes on a
        // continuation with no message open, or a new message inside one.
        if (h.op == opcode::continuation) {
            if (!msg.open || h.rsv1) break;  // RSV1 belongs on a message's first frame only
        } else {
            if (msg.open) break;
            msg.open = true;
            msg.text = h.op == opcode::text;
            msg.compressed = h.rsv1;
            msg.utf8.reset();
            msg.bytes.clear();
            msg.boundary = 0;
        }
        const bool check_text = msg.text && !msg.compressed;
        if (check_text && !feed_text(msg, payload, split)) {
            FUZZ_CHECK(!is_valid_utf8(msg.bytes));
            break;  // 1007, at the first bad byte
        }
        if (!whole) break;
        if (h.fin) {
            if (check_text) {
                FUZZ_CHECK(msg.utf8.complete() == is_valid_utf8(msg.bytes));
                FUZZ_CHECK(msg.utf8.complete() == reference_valid(msg.bytes));
            }
            msg.open = false;
        }
    }
    return 0;
}
