// A raw WebSocket client for the integration tests: it speaks frames byte by
// byte (masked, as a client must), so tests can send anything a hostile or
// broken client would, and read exactly what the server put on the wire.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "integration/support.hpp"

namespace ringkit::test {

struct ws_frame {
    ws::opcode op = ws::opcode::text;
    bool fin = true;
    bool rsv1 = false;
    std::string payload;

    /// The close code of a close frame (1005 when it carries none).
    int close_code() const {
        if (payload.size() < 2) return 1005;
        return (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
    }
    std::string close_reason() const { return payload.size() > 2 ? payload.substr(2) : std::string(); }
};

/// The bytes of one client frame (masked unless `masked` is false).
inline std::string client_frame(ws::opcode op, std::string_view payload, bool fin = true, bool rsv1 = false,
                                bool masked = true) {
    static std::mt19937 rng(42);
    std::string out(ws::max_header_size, '\0');
    std::optional<std::uint32_t> key;
    if (masked) key = static_cast<std::uint32_t>(rng());
    out.resize(ws::encode_header(out.data(), op, payload.size(), fin, rsv1, key));
    std::string body(payload);
    if (key) ws::apply_mask(body, *key, 0);
    return out + body;
}

/// A close frame's payload: the code, big-endian, then the reason.
inline std::string close_payload(int code, std::string_view reason = {}) {
    std::string p;
    p.push_back(static_cast<char>(code >> 8));
    p.push_back(static_cast<char>(code & 0xff));
    p.append(reason);
    return p;
}

inline std::string upgrade_request(std::string_view path, std::string_view extra_headers = {}) {
    std::string r = "GET ";
    r.append(path).append(
        " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
    r.append(extra_headers).append("\r\n");
    return r;
}

class ws_client : public raw_client {
public:
    explicit ws_client(std::uint16_t port, std::chrono::milliseconds timeout = io_timeout)
        : raw_client(port, timeout) {}

    /// Sends the upgrade request and reads the answer (101 on success).
    wire_response handshake(std::string_view path, std::string_view extra_headers = {}) {
        send(upgrade_request(path, extra_headers));
        return read_response(true);  // a 101 has no body
    }

    bool send_frame(ws::opcode op, std::string_view payload, bool fin = true, bool rsv1 = false, bool masked = true) {
        return send(client_frame(op, payload, fin, rsv1, masked));
    }
    bool send_text(std::string_view s) { return send_frame(ws::opcode::text, s); }
    bool send_binary(std::string_view s) { return send_frame(ws::opcode::binary, s); }
    bool send_close(int code, std::string_view reason = {}) {
        return send_frame(ws::opcode::close, close_payload(code, reason));
    }

    /// The next frame from the server; nullopt when the connection closes (or
    /// the read times out) first. Server frames must be unmasked.
    std::optional<ws_frame> read_frame() {
        ws::frame_header h;
        ws::decode_rules rules{.require_mask = false, .allow_rsv1 = true};
        for (;;) {
            auto st = ws::decode_header(pending(), h, rules);
            if (st == ws::header_status::protocol_error) throw std::runtime_error("server sent a bad frame header");
            if (st == ws::header_status::ok && pending().size() >= h.size + h.length) break;
            if (!receive_more()) return std::nullopt;
        }
        ws_frame f{h.op, h.fin, h.rsv1, pending().substr(h.size, static_cast<std::size_t>(h.length))};
        consume(h.size + static_cast<std::size_t>(h.length));
        return f;
    }

    /// Reads frames until a data frame (answering nothing); control frames are skipped.
    std::optional<ws_frame> read_message_frame() {
        for (;;) {
            auto f = read_frame();
            if (!f || !ws::is_control(f->op) || f->op == ws::opcode::close) return f;
        }
    }
};

}  // namespace ringkit::test
