// The client side of ws_load: just enough RFC 6455 to drive a server and hold it to
// the protocol. SHA-1/base64 for the handshake, the masked frame encoder, a strict
// parser for server frames, and a connection that handshakes, sends, receives whole
// messages (answering pings) and closes. One thread; no locks. See ws_load.cpp.
// With a TLS client context (set_tls; a build with OpenSSL) every connection speaks
// wss: a fresh SSL object and a full handshake each, never a resumed session.
#pragma once

#include <ringkit/core/asio.hpp>
#include <asio.hpp>
#if RINGKIT_HAS_OPENSSL
#include <asio/ssl.hpp>
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace ws_load {

using asio::awaitable;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
inline constexpr auto use_tuple = ringkit::detail::use_tuple;

// ---- handshake helpers: SHA-1 and base64 (RFC 6455 section 4.2.2) ---------------------

inline std::array<std::uint8_t, 20> sha1(std::string_view text) {
    std::uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
    std::string m(text);
    const std::uint64_t bits = std::uint64_t{text.size()} * 8;
    m.push_back(static_cast<char>(0x80));
    while (m.size() % 64 != 56) m.push_back('\0');
    for (int i = 7; i >= 0; --i) m.push_back(static_cast<char>(bits >> (8 * i)));
    for (std::size_t off = 0; off < m.size(); off += 64) {
        std::uint32_t w[80];
        for (int i = 0; i < 16; ++i) {
            const auto* p = reinterpret_cast<const unsigned char*>(m.data() + off + 4 * i);
            w[i] = std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
        }
        for (int i = 16; i < 80; ++i) w[i] = std::rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; ++i) {
            std::uint32_t f, k;
            if (i < 20) f = (b & c) | (~b & d), k = 0x5A827999u;
            else if (i < 40) f = b ^ c ^ d, k = 0x6ED9EBA1u;
            else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDCu;
            else f = b ^ c ^ d, k = 0xCA62C1D6u;
            const std::uint32_t t = std::rotl(a, 5) + f + e + k + w[i];
            e = d, d = c, c = std::rotl(b, 30), b = a, a = t;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
    }
    std::array<std::uint8_t, 20> out{};
    for (int i = 0; i < 20; ++i) out[i] = static_cast<std::uint8_t>(h[i / 4] >> (24 - 8 * (i % 4)));
    return out;
}

inline std::string base64(const std::uint8_t* p, std::size_t n) {
    static constexpr char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < n; i += 3) {
        const std::uint32_t v = std::uint32_t{p[i]} << 16 | (i + 1 < n ? std::uint32_t{p[i + 1]} << 8 : 0) |
                                (i + 2 < n ? std::uint32_t{p[i + 2]} : 0);
        out += abc[v >> 18 & 63];
        out += abc[v >> 12 & 63];
        out += i + 1 < n ? abc[v >> 6 & 63] : '=';
        out += i + 2 < n ? abc[v & 63] : '=';
    }
    return out;
}

inline std::string accept_key(std::string_view key) {
    const auto digest = sha1(std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    return base64(digest.data(), digest.size());
}

inline bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return (x | 0x20) == (y | 0x20); });
}

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

inline bool has_token(std::string_view list, std::string_view token) {  // "keep-alive, Upgrade" has "upgrade"
    while (!list.empty()) {
        const auto comma = list.find(',');
        if (iequals(trim(list.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

// ---- small utilities -------------------------------------------------------------------

struct splitmix {  // fast, good enough for mask keys and payload patterns
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
};

// Log-linear histogram of nanoseconds: exact below 128, then 64 buckets per power of two (< 1.6% error).
class histogram {
public:
    void add(std::uint64_t v) {
        ++counts_[index(v)];
        ++total_;
    }
    std::uint64_t total() const { return total_; }
    double percentile(double p) const {  // the bucket's midpoint
        if (total_ == 0) return 0;
        const auto target =
            std::max<std::uint64_t>(1, static_cast<std::uint64_t>(p * static_cast<double>(total_) + 0.999999));
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < counts_.size(); ++i) {
            seen += counts_[i];
            if (seen >= target) return midpoint(i);
        }
        return midpoint(counts_.size() - 1);
    }

private:
    static std::size_t index(std::uint64_t v) {
        if (v < 128) return v;
        const int shift = 63 - std::countl_zero(v) - 6;
        return static_cast<std::size_t>(shift + 1) * 64 + ((v >> shift) & 63);
    }
    static double midpoint(std::size_t i) {
        if (i < 128) return static_cast<double>(i);
        const int shift = static_cast<int>(i / 64) - 1;
        return static_cast<double>((64 + i % 64) << shift) + static_cast<double>((std::uint64_t{1} << shift) / 2);
    }
    std::array<std::uint64_t, 64 * 64> counts_{};
    std::uint64_t total_ = 0;
};

// dst = src XOR the 4-byte key repeated, eight bytes at a time.
inline void mask_copy(std::uint8_t* dst, const std::uint8_t* src, std::size_t n, std::uint32_t key) {
    std::uint64_t k8;
    std::memcpy(&k8, &key, 4);
    std::memcpy(reinterpret_cast<char*>(&k8) + 4, &key, 4);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t v;
        std::memcpy(&v, src + i, 8);
        v ^= k8;
        std::memcpy(dst + i, &v, 8);
    }
    const auto* kb = reinterpret_cast<const std::uint8_t*>(&key);
    for (; i < n; ++i) dst[i] = src[i] ^ kb[i % 4];
}

// ---- frames ------------------------------------------------------------------------------

enum opcode : std::uint8_t { op_cont = 0, op_text = 1, op_binary = 2, op_close = 8, op_ping = 9, op_pong = 10 };

// Writes a masked client frame (header, key, masked payload) into out; returns its length.
inline std::size_t encode_frame(std::vector<std::uint8_t>& out, std::uint8_t first_byte, const std::uint8_t* payload,
                                std::size_t n, std::uint32_t key) {
    if (out.size() < n + 14) out.resize(n + 14);
    std::uint8_t* p = out.data();
    p[0] = first_byte;
    std::size_t h = 2;
    if (n < 126) {
        p[1] = static_cast<std::uint8_t>(0x80 | n);
    } else if (n <= 0xFFFF) {
        p[1] = 0x80 | 126;
        p[2] = static_cast<std::uint8_t>(n >> 8);
        p[3] = static_cast<std::uint8_t>(n);
        h = 4;
    } else {
        p[1] = 0x80 | 127;
        for (int i = 0; i < 8; ++i) p[2 + i] = static_cast<std::uint8_t>(std::uint64_t{n} >> (56 - 8 * i));
        h = 10;
    }
    std::memcpy(p + h, &key, 4);
    mask_copy(p + h + 4, payload, n, key);
    return h + 4 + n;
}

struct frame_header {
    bool fin = false;
    std::uint8_t opcode = 0;
    std::size_t header = 0;  // bytes of header
    std::uint64_t length = 0;
};

enum class parse_result { more, ok, bad };

// Parses a server frame's header, holding the server to RFC 6455 section 5.
inline parse_result parse_header(const std::uint8_t* p, std::size_t n, frame_header& f, std::string& why) {
    if (n < 2) return parse_result::more;
    f.fin = p[0] & 0x80;
    f.opcode = p[0] & 0x0F;
    if (p[0] & 0x70) return why = "frame with RSV bits set (no extension was negotiated)", parse_result::bad;
    if (p[1] & 0x80) return why = "server frame is masked", parse_result::bad;
    const std::uint8_t len7 = p[1] & 0x7F;
    if (len7 < 126) {
        f.header = 2;
        f.length = len7;
    } else if (len7 == 126) {
        if (n < 4) return parse_result::more;
        f.header = 4;
        f.length = std::uint64_t{p[2]} << 8 | p[3];
        if (f.length < 126) return why = "16-bit length not minimal", parse_result::bad;
    } else {
        if (n < 10) return parse_result::more;
        f.header = 10;
        f.length = 0;
        for (int i = 0; i < 8; ++i) f.length = f.length << 8 | p[2 + i];
        if (f.length >> 63) return why = "64-bit length with the top bit set", parse_result::bad;
        if (f.length <= 0xFFFF) return why = "64-bit length not minimal", parse_result::bad;
    }
    switch (f.opcode) {
    case op_cont:
    case op_text:
    case op_binary: break;
    case op_close:
    case op_ping:
    case op_pong:
        if (!f.fin) return why = "fragmented control frame", parse_result::bad;
        if (f.length > 125) return why = "control frame longer than 125 bytes", parse_result::bad;
        break;
    default: return why = "reserved opcode " + std::to_string(f.opcode), parse_result::bad;
    }
    return parse_result::ok;
}

// ---- a client connection -------------------------------------------------------------------

struct options {
    std::string mode;
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    std::string path = "/ws/echo";
    std::size_t conns = 0;
    std::size_t size = 32;
    bool binary = false;
    double duration = 5;
    double hold = 5;
    double interval = 5;  // soak: seconds between one connection's messages
    double report = 5;    // soak: seconds between progress lines
    std::size_t batch = 200;
    std::string ready_file;
    std::size_t max_size = 65536;
    bool tls = false;  // wss: TLS 1.3, the server's certificate not verified (a benchmark, on loopback)
    // fanout (ws_load_fanout.hpp)
    std::string ports;        // "P1,P2,P3": connection i goes to the (i mod n)th
    bool socketio = false;    // --proto socketio: Engine.IO 4 / Socket.IO 5 over the WebSocket
    double rate = 0;          // messages per second of the steady phase (0: none)
    std::size_t window = 0;   // messages in flight in the saturating phase (0: none)
    double warmup = 0;        // seconds of saturating load before the measured phases
    double drain = 10;        // seconds a phase's last messages may take to arrive
    std::string server_pids;  // "A,B,C": their utime+stime is the server CPU
    std::string redis_pid;    // reported apart
};

struct message {
    std::uint8_t opcode = 0;  // op_text, op_binary, op_close, or op_pong when asked for
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
};

inline constexpr std::size_t max_message = 64u << 20;

class connection {
public:
    explicit connection(asio::io_context& io, std::uint64_t seed) : socket(io), rng{seed} {}

#if RINGKIT_HAS_OPENSSL
    /// The client context of every later connection's TLS; null: plain TCP. Must outlive them.
    static void set_tls(asio::ssl::context* context) { tls_context_ = context; }
#endif

    tcp::socket socket;
    splitmix rng;
    std::string error;     // what went wrong, set by the first failure
    bool aborted = false;  // the last read was cancelled (idle mode's close signal)
    std::size_t pings = 0;

    // TCP connect, upgrade request, and a 101 answer that proves the server read our key.
    awaitable<bool> open(const tcp::endpoint& ep, const options& o) {
        auto [cec] = co_await socket.async_connect(ep, use_tuple);
        if (cec) co_return fail("connect: " + cec.message());
        socket.set_option(tcp::no_delay(true));
#if RINGKIT_HAS_OPENSSL
        if (tls_context_) {
            tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket, *tls_context_);
            auto [hec] = co_await tls_->async_handshake(asio::ssl::stream_base::client, use_tuple);
            if (hec) co_return fail("TLS handshake: " + hec.message());
        }
#endif
        std::uint8_t raw[16];
        for (int i = 0; i < 16; i += 8) {
            const auto v = rng.next();
            std::memcpy(raw + i, &v, 8);
        }
        const std::string key = base64(raw, 16);
        const std::string req = "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) +
                                "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
                                "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        auto [wec, wn] = co_await write_all(asio::buffer(req));
        if (wec) co_return fail("handshake write: " + wec.message());
        std::size_t head_end = 0;
        for (;;) {
            const std::string_view have(reinterpret_cast<const char*>(rx_.data()) + begin_, end_ - begin_);
            const auto at = have.find("\r\n\r\n");
            if (at != std::string_view::npos) {
                head_end = at + 4;
                break;
            }
            if (have.size() > 16384) co_return fail("handshake: response head over 16 KiB");
            if (!co_await fill(have.size() + 1)) co_return false;
        }
        const std::string head(reinterpret_cast<const char*>(rx_.data()) + begin_, head_end);
        begin_ += head_end;  // whatever follows is frames
        std::string_view rest(head);
        const auto line_end = rest.find("\r\n");
        const auto status = rest.substr(0, line_end);
        if (status.substr(0, 13) != "HTTP/1.1 101 " && status != "HTTP/1.1 101")
            co_return fail("handshake: status line '" + std::string(status) + "'");
        rest.remove_prefix(line_end + 2);
        bool upgrade = false, connection_upgrade = false, accept_ok = false;
        std::string accept_seen;
        while (!rest.empty() && rest.substr(0, 2) != "\r\n") {
            const auto eol = rest.find("\r\n");
            const auto line = rest.substr(0, eol);
            rest.remove_prefix(eol + 2);
            const auto colon = line.find(':');
            if (colon == std::string_view::npos) co_return fail("handshake: header line without a colon");
            const auto name = line.substr(0, colon);
            const auto value = trim(line.substr(colon + 1));
            if (iequals(name, "upgrade")) upgrade = iequals(value, "websocket");
            else if (iequals(name, "connection")) connection_upgrade = has_token(value, "upgrade");
            else if (iequals(name, "sec-websocket-accept")) accept_seen = value, accept_ok = value == accept_key(key);
            else if (iequals(name, "sec-websocket-extensions"))
                co_return fail("handshake: server accepted an extension nobody offered: " + std::string(value));
            else if (iequals(name, "sec-websocket-protocol"))
                co_return fail("handshake: server chose a subprotocol nobody offered");
        }
        if (!upgrade) co_return fail("handshake: no 'Upgrade: websocket'");
        if (!connection_upgrade) co_return fail("handshake: no 'Connection: upgrade'");
        if (!accept_ok) co_return fail("handshake: wrong Sec-WebSocket-Accept '" + accept_seen + "'");
        co_return true;
    }

    // One masked frame with a fresh key. Two coroutines may send at once (fanout's
    // publisher beside its reader's pongs): while a write is under way, a frame is
    // queued and the writer sends it after its own.
    awaitable<bool> send(std::uint8_t first_byte, const std::uint8_t* payload, std::size_t n) {
        if (writing_) {
            const auto len = encode_frame(scratch_, first_byte, payload, n, static_cast<std::uint32_t>(rng.next()));
            queued_.insert(queued_.end(), scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(len));
            co_return error.empty();
        }
        auto& buf = (first_byte & 0x08) ? ctl_ : tx_;
        const auto len = encode_frame(buf, first_byte, payload, n, static_cast<std::uint32_t>(rng.next()));
        writing_ = true;
        auto [ec, written] = co_await write_all(asio::buffer(buf.data(), len));
        while (!ec && !queued_.empty()) {
            flushing_.swap(queued_);
            queued_.clear();
            std::tie(ec, written) = co_await write_all(asio::buffer(flushing_));
        }
        writing_ = false;
        if (ec) co_return fail("write: " + ec.message());
        co_return true;
    }

    // The next whole message (fragments joined); answers pings on the way. m.data stays
    // valid until the next call. Close frames come back as op_close, pongs only if asked.
    awaitable<bool> receive(message& m, bool want_pong = false) {
        bool in_message = false;
        std::uint8_t message_op = 0;
        for (;;) {
            frame_header f;
            const std::uint8_t* p = rx_.data() + begin_;
            const std::size_t avail = end_ - begin_;
            const auto r = parse_header(p, avail, f, error);
            if (r == parse_result::bad) co_return false;
            if (r == parse_result::more || avail < f.header + f.length) {
                if (r == parse_result::ok && f.header + f.length > max_message) co_return fail("frame over 64 MiB");
                if (!co_await fill(r == parse_result::more ? avail + 1 : f.header + f.length)) co_return false;
                continue;
            }
            const std::uint8_t* payload = p + f.header;
            const auto n = static_cast<std::size_t>(f.length);
            begin_ += f.header + n;
            switch (f.opcode) {
            case op_ping:
                ++pings;
                std::memcpy(pong_.data(), payload, n);
                if (!co_await send(0x80 | op_pong, pong_.data(), n)) co_return false;
                break;
            case op_pong:
                if (want_pong) {
                    m = {op_pong, payload, n};
                    co_return true;
                }
                break;
            case op_close: m = {op_close, payload, n}; co_return true;
            case op_text:
            case op_binary:
                if (in_message) co_return fail("new data frame inside a fragmented message");
                if (f.fin) {
                    m = {f.opcode, payload, n};
                    co_return true;
                }
                in_message = true;
                message_op = f.opcode;
                assembled_.assign(payload, payload + n);
                break;
            default:  // op_cont
                if (!in_message) co_return fail("continuation frame outside a message");
                if (assembled_.size() + n > max_message) co_return fail("message over 64 MiB");
                assembled_.insert(assembled_.end(), payload, payload + n);
                if (f.fin) {
                    m = {message_op, assembled_.data(), assembled_.size()};
                    co_return true;
                }
            }
        }
    }

    // Client side of the close handshake: send 1000, expect the server's close (1000 or
    // no code) and then its TCP close (RFC 6455 7.1.1: the server closes first).
    // skip_data: data messages the server sent before its close are read and ignored.
    awaitable<bool> close_handshake(bool skip_data = false) {
        const std::uint8_t normal[2] = {0x03, 0xE8};
        if (!co_await send(0x80 | op_close, normal, 2)) co_return false;
        message m;
        do {
            if (!co_await receive(m)) co_return false;
        } while (skip_data && m.opcode != op_close);
        if (m.opcode != op_close) co_return fail("expected a close frame, got a data message");
        if (m.size == 1) co_return fail("close frame with a 1-byte payload");
        if (m.size >= 2) {
            const int code = m.data[0] << 8 | m.data[1];
            if (code != 1000) co_return fail("server answered close 1000 with close " + std::to_string(code));
        }
        // Wait (bounded) for the server's FIN; data after a close frame is an error.
        // The timer's handler may run after this frame is gone: it only touches `wait`.
        struct fin_wait {
            bool done = false, timed_out = false;
        };
        auto wait = std::make_shared<fin_wait>();
        asio::steady_timer timer(socket.get_executor(), std::chrono::seconds(2));
        timer.async_wait([wait, this](std::error_code ec) {
            if (ec || wait->done) return;
            wait->timed_out = true;
            std::error_code ignored;
            socket.cancel(ignored);
        });
        if (begin_ != end_) co_return fail("data after the close frame");
        std::uint8_t scratch[256];
        auto [ec, n] = co_await read_some(asio::buffer(scratch));
        wait->done = true;
        timer.cancel();
        if (!ec && n > 0) co_return fail("data after the close frame");
        if (wait->timed_out) ++late_tcp_close;
        std::error_code ignored;
        socket.close(ignored);
        co_return true;
    }

    static inline std::size_t late_tcp_close = 0;  // servers that did not close TCP within 2 s

private:
    bool fail(std::string why) {
        if (error.empty()) error = std::move(why);
        return false;
    }

    // Over TLS when the connection has it, else straight on the socket.
    awaitable<std::tuple<std::error_code, std::size_t>> write_all(asio::const_buffer b) {
#if RINGKIT_HAS_OPENSSL
        if (tls_) co_return co_await asio::async_write(*tls_, b, use_tuple);
#endif
        co_return co_await asio::async_write(socket, b, use_tuple);
    }
    awaitable<std::tuple<std::error_code, std::size_t>> read_some(asio::mutable_buffer b) {
#if RINGKIT_HAS_OPENSSL
        if (tls_) co_return co_await tls_->async_read_some(b, use_tuple);
#endif
        co_return co_await socket.async_read_some(b, use_tuple);
    }

    // Reads once more, making room for `want` bytes from begin_.
    awaitable<bool> fill(std::size_t want) {
        if (begin_ == end_) begin_ = end_ = 0;
        if (rx_.size() - begin_ < want || rx_.size() - end_ < 1024) {
            std::memmove(rx_.data(), rx_.data() + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
            if (rx_.size() < std::max(want, end_ + 1024)) rx_.resize(std::max({want, end_ + 1024, rx_.size() * 2}));
        }
        auto [ec, n] = co_await read_some(asio::buffer(rx_.data() + end_, rx_.size() - end_));
        if (ec == asio::error::operation_aborted) aborted = true;
        if (ec == asio::error::eof) co_return fail("connection closed by the server without a close frame");
        if (ec) co_return fail("read: " + ec.message());
        end_ += n;
        co_return true;
    }

    std::vector<std::uint8_t> rx_ = std::vector<std::uint8_t>(16384);
    std::size_t begin_ = 0, end_ = 0;
    std::vector<std::uint8_t> tx_, ctl_, assembled_;
    bool writing_ = false;
    std::vector<std::uint8_t> scratch_, queued_, flushing_;  // frames sent while a write was under way
    std::array<std::uint8_t, 125> pong_{};
#if RINGKIT_HAS_OPENSSL
    static inline asio::ssl::context* tls_context_ = nullptr;
    std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls_;
#endif
};

}  // namespace ws_load
