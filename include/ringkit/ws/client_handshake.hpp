// The client side of the WebSocket opening handshake (RFC 6455 §4.1), with no
// socket: the GET request that asks for the upgrade, and the strict check of the
// server's answer, which must be a 101 that proves it read our key, picks only a
// subprotocol we offered and agrees to permessage-deflate only as we offered it
// (RFC 7692 §5, §7.1). Anything else is a handshake_error: the connection is
// failed, never used half-agreed.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ringkit/core/ascii.hpp"
#include "ringkit/core/base64.hpp"
#include "ringkit/core/random.hpp"
#include "ringkit/http/headers.hpp"
#include "ringkit/ws/deflate_negotiation.hpp"
#include "ringkit/ws/deflate_options.hpp"
#include "ringkit/ws/handshake.hpp"

namespace ringkit::ws {

/// Why a server's answer to the opening handshake was refused.
enum class handshake_error {
    not_switching = 1,  ///< the status was not 101 (the server refused, or is no WebSocket server)
    bad_upgrade,        ///< no "Upgrade: websocket"
    bad_connection,     ///< no "upgrade" token in Connection
    bad_accept,         ///< Sec-WebSocket-Accept missing, or not the one our key asks for
    bad_protocol,       ///< a subprotocol we did not offer, or more than one
    bad_extension,      ///< an extension we did not offer, or permessage-deflate parameters we cannot accept
    timeout,            ///< no answer (or no connection) within the handshake timeout
};

namespace detail {
class handshake_error_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "ringkit.ws.handshake"; }
    std::string message(int e) const override {
        switch (static_cast<handshake_error>(e)) {
        case handshake_error::not_switching: return "the server did not switch to WebSocket (status is not 101)";
        case handshake_error::bad_upgrade: return "the server's 101 lacks Upgrade: websocket";
        case handshake_error::bad_connection: return "the server's 101 lacks Connection: upgrade";
        case handshake_error::bad_accept: return "the server's Sec-WebSocket-Accept does not match our key";
        case handshake_error::bad_protocol: return "the server chose a subprotocol that was not offered";
        case handshake_error::bad_extension: return "the server agreed to an extension that was not offered";
        case handshake_error::timeout: return "WebSocket handshake timed out";
        }
        return "unknown handshake error";
    }
};
}  // namespace detail

/// The "ringkit.ws.handshake" category; one object for the program's life.
inline const std::error_category& handshake_error_category() noexcept {
    static const detail::handshake_error_category_impl instance;
    return instance;
}
inline std::error_code make_error_code(handshake_error e) noexcept {
    return {static_cast<int>(e), handshake_error_category()};
}

}  // namespace ringkit::ws

// Before any use of the enum as an error_code below.
template <>
struct std::is_error_code_enum<ringkit::ws::handshake_error> : std::true_type {};

namespace ringkit::ws {

/// What a client asks for in its handshake.
struct client_handshake_options {
    std::vector<std::string> protocols{};  ///< subprotocols offered, preferred first
    /// More request headers (Origin, Authorization, cookies...). The handshake's own
    /// (Upgrade, Connection, Sec-WebSocket-*) may not be among them; a Host here
    /// replaces the URL's.
    header_list headers{};
    /// Offered when enabled: server_max_window_bits below 15 asks the server for a
    /// smaller window, client_max_window_bits below 15 promises ours, the
    /// no_context_takeover flags ask for (server_) or promise (client_) resets.
    deflate_options deflate{};
};

/// One handshake: its key (16 bytes from the kernel's CSPRNG, in base64), the
/// request, and the verdict on the answer. Not thread-safe.
class client_handshake {
public:
    client_handshake() : key_(fresh_key()) {}
    /// With a given key: for tests.
    explicit client_handshake(std::string key) : key_(std::move(key)) {}

    const std::string& key() const noexcept { return key_; }

    /// The request's bytes: `GET target HTTP/1.1` and its headers. `authority` is
    /// the Host value (host[:port]). A header that would break the request (a CR,
    /// LF or NUL, a name that is no token) or one the handshake owns:
    /// std::invalid_argument.
    std::string request(std::string_view authority, std::string_view target, const client_handshake_options& o) const {
        std::string r;
        r.reserve(256);
        r.append("GET ").append(target).append(" HTTP/1.1\r\n");
        bool host = false;
        for (const auto& [name, value] : o.headers) host = host || ringkit::detail::iequals(name, "host");
        if (!host) line(r, "Host", authority);
        line(r, "Upgrade", "websocket");
        line(r, "Connection", "Upgrade");
        line(r, "Sec-WebSocket-Key", key_);
        line(r, "Sec-WebSocket-Version", "13");
        if (!o.protocols.empty()) {
            std::string list;
            for (const auto& p : o.protocols) {
                if (p.empty() || !is_token(p)) throw std::invalid_argument("ringkit: a subprotocol must be a token");
                if (!list.empty()) list.append(", ");
                list.append(p);
            }
            line(r, "Sec-WebSocket-Protocol", list);
        }
        if (o.deflate.enabled && deflate_available) line(r, "Sec-WebSocket-Extensions", deflate_offer(o.deflate));
        for (const auto& [name, value] : o.headers) {
            if (name.empty() || !is_token(name) ||
                value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
                throw std::invalid_argument("ringkit: a request header that would break the request");
            for (std::string_view own : {"upgrade", "connection", "sec-websocket-key", "sec-websocket-version",
                                         "sec-websocket-protocol", "sec-websocket-extensions"})
                if (ringkit::detail::iequals(name, own))
                    throw std::invalid_argument("ringkit: the WebSocket handshake sets " + name + " itself");
            line(r, name, value);
        }
        r.append("\r\n");
        return r;
    }

    /// Checks the server's answer (its status and headers, names in any case);
    /// on success protocol() and deflate() say what was agreed.
    std::error_code check(int status, const request_headers& headers, const client_handshake_options& o) {
        protocol_.clear();
        deflate_.reset();
        if (status != 101) return handshake_error::not_switching;
        std::string upgrade, connection, accept, protocols, extensions;
        int accepts = 0, protocol_lines = 0;
        for (auto [name, value] : headers) {
            if (ringkit::detail::iequals(name, "upgrade")) join(upgrade, value);
            else if (ringkit::detail::iequals(name, "connection")) join(connection, value);
            else if (ringkit::detail::iequals(name, "sec-websocket-accept")) {
                accept = value;
                ++accepts;
            } else if (ringkit::detail::iequals(name, "sec-websocket-protocol")) {
                join(protocols, value);
                ++protocol_lines;
            } else if (ringkit::detail::iequals(name, "sec-websocket-extensions")) {
                join(extensions, value);
            }
        }
        if (!ringkit::detail::iequals(ringkit::detail::trim_ows(upgrade), "websocket"))
            return handshake_error::bad_upgrade;
        if (!ringkit::detail::has_token(connection, "upgrade")) return handshake_error::bad_connection;
        if (accepts != 1 || accept != accept_key(key_)) return handshake_error::bad_accept;
        if (protocol_lines > 0) {
            // Exactly one value, and one we offered (§4.1, the client's 6th check).
            const auto chosen = ringkit::detail::trim_ows(protocols);
            bool offered = false;
            for (const auto& p : o.protocols) offered = offered || p == chosen;
            if (protocol_lines != 1 || !offered) return handshake_error::bad_protocol;
            protocol_ = chosen;
        }
        if (!ringkit::detail::trim_ows(extensions).empty()) {
            auto agreed = read_deflate_answer(extensions, o.deflate);
            if (!agreed) return handshake_error::bad_extension;
            deflate_ = agreed;
        }
        return {};
    }

    /// The subprotocol the server chose ("" if none), after a successful check().
    const std::string& protocol() const noexcept { return protocol_; }
    /// The permessage-deflate agreed, as the server sees it (server_*: what the
    /// server compresses), after a successful check(); nullopt when none.
    const std::optional<deflate_params>& deflate() const noexcept { return deflate_; }

private:
    static std::string fresh_key() {
        char raw[16];
        ringkit::detail::random_bytes(raw, sizeof raw);
        return ringkit::detail::base64_encode(std::string_view(raw, sizeof raw));
    }

    static bool is_token(std::string_view s) noexcept {
        for (char c : s)
            if (!ringkit::detail::is_tchar(static_cast<unsigned char>(c))) return false;
        return true;
    }

    static void line(std::string& r, std::string_view name, std::string_view value) {
        r.append(name).append(": ").append(value).append("\r\n");
    }

    // Repeated header lines are one comma-separated list (RFC 9110 §5.3).
    static void join(std::string& into, std::string_view value) {
        if (!into.empty()) into.append(", ");
        into.append(value);
    }

    // permessage-deflate as we offer it: client_max_window_bits always, so a
    // server may ask for a smaller window (RFC 7692 §7.1.2.2).
    static std::string deflate_offer(const deflate_options& d) {
        std::string s = "permessage-deflate";
        if (d.server_no_context_takeover) s += "; server_no_context_takeover";
        if (d.client_no_context_takeover) s += "; client_no_context_takeover";
        if (d.server_max_window_bits < 15)
            s += "; server_max_window_bits=" + std::to_string(detail::clamp_bits(d.server_max_window_bits, 9));
        s += "; client_max_window_bits";
        if (d.client_max_window_bits < 15) s += '=' + std::to_string(detail::clamp_bits(d.client_max_window_bits, 9));
        return s;
    }

    // The answer's Sec-WebSocket-Extensions against our offer (RFC 7692 §7.1):
    // one permessage-deflate element and nothing else, each parameter known, once,
    // with a valid value, and within what we offered. nullopt: fail the connection.
    static std::optional<deflate_params> read_deflate_answer(std::string_view list, const deflate_options& ours) {
        if (!ours.enabled || !deflate_available) return std::nullopt;
        detail::extension_reader r(list);
        std::string_view name;
        std::optional<detail::deflate_offer> answer;
        while (r.next(name)) {
            if (r.malformed() || answer || !ringkit::detail::iequals(name, "permessage-deflate")) return std::nullopt;
            answer = detail::read_deflate_offer(r);
            if (!answer) return std::nullopt;
        }
        if (!answer) return std::nullopt;
        const int asked_server =
            ours.server_max_window_bits < 15 ? detail::clamp_bits(ours.server_max_window_bits, 9) : 0;
        const int offered_client =
            ours.client_max_window_bits < 15 ? detail::clamp_bits(ours.client_max_window_bits, 9) : 15;
        deflate_params p;
        // §7.1.2.1: an offered limit must come back, the same or smaller.
        if (asked_server != 0 && (answer->server_max_window_bits == 0 || answer->server_max_window_bits > asked_server))
            return std::nullopt;
        if (answer->server_max_window_bits != 0) p.server_max_window_bits = answer->server_max_window_bits;
        // §7.1.2.2: in an answer it needs a value, no larger than one we offered.
        if (answer->client_max_window_bits == -1 || answer->client_max_window_bits > offered_client)
            return std::nullopt;
        p.client_max_window_bits =
            answer->client_max_window_bits != 0 ? answer->client_max_window_bits : offered_client;
        // §7.1.1.1: a server that accepts our request for resets must say so.
        if (ours.server_no_context_takeover && !answer->server_no_context_takeover) return std::nullopt;
        p.server_no_context_takeover = answer->server_no_context_takeover;
        p.client_no_context_takeover = answer->client_no_context_takeover || ours.client_no_context_takeover;
        return p;
    }

    std::string key_;
    std::string protocol_;
    std::optional<deflate_params> deflate_;
};

}  // namespace ringkit::ws
