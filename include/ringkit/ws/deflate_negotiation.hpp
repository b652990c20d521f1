// Agreeing on permessage-deflate in the WebSocket handshake (RFC 7692 §5, §7.1):
// reading the client's Sec-WebSocket-Extensions offers and writing the answer.
// Text only; the compressing itself (zlib) is in deflate.hpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "ringkit/core/ascii.hpp"
#include "ringkit/ws/deflate_options.hpp"

namespace ringkit::ws {

namespace detail {

// A permessage-deflate offer as read from Sec-WebSocket-Extensions.
// Window bits: 0 absent, -1 present without a value, else 8..15.
struct deflate_offer {
    int server_max_window_bits = 0;
    int client_max_window_bits = 0;
    bool server_no_context_takeover = false;
    bool client_no_context_takeover = false;
};

// "8".."15" without leading zeros (RFC 7692 §7.1.2), else 0.
constexpr int parse_window_bits(std::string_view v) noexcept {
    if (v.size() == 1 && v[0] >= '8' && v[0] <= '9') return v[0] - '0';
    if (v.size() == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5') return 10 + (v[1] - '0');
    return 0;
}

constexpr int clamp_bits(int bits, int lo) noexcept { return bits < lo ? lo : bits > 15 ? 15 : bits; }

// Reads Sec-WebSocket-Extensions (RFC 6455 §9.1) one list element at a time:
//   extension = token *( OWS ";" OWS token [ OWS "=" OWS ( token / quoted-string ) ] )
// Elements are separated by commas; empty elements are skipped. A malformed
// element is reported as such and skipped up to the next comma outside quotes.
class extension_reader {
public:
    explicit constexpr extension_reader(std::string_view list) noexcept : s_(list) {}

    // One parameter; `value` is the unescaped value when it fits in a few bytes
    // (every value this module understands does), `long_value` otherwise.
    struct param {
        std::string_view name;
        bool has_value = false;
        bool long_value = false;
        char buf[4] = {};
        std::size_t size = 0;
        constexpr std::string_view value() const noexcept { return {buf, size}; }
    };

    // Moves to the next non-empty element and reads its name; false at the end.
    constexpr bool next(std::string_view& name) noexcept {
        for (;;) {
            skip_ows();
            if (i_ >= s_.size()) return false;
            if (s_[i_] == ',') {
                ++i_;
                continue;
            }
            name = token();
            malformed_ = name.empty();
            if (malformed_) skip_element();
            return true;
        }
    }

    // The element's next parameter; false when the element ends (then malformed()
    // says whether it ended well, and the reader stands after its comma).
    constexpr bool next_param(param& p) noexcept {
        if (malformed_) return false;
        skip_ows();
        if (i_ >= s_.size()) return false;
        if (s_[i_] == ',') {
            ++i_;
            return false;
        }
        if (s_[i_] != ';') return fail();
        ++i_;
        skip_ows();
        p = param{};
        p.name = token();
        if (p.name.empty()) return fail();
        skip_ows();
        if (i_ < s_.size() && s_[i_] == '=') {
            ++i_;
            skip_ows();
            p.has_value = true;
            if (i_ < s_.size() && s_[i_] == '"') {
                if (!quoted(p)) return fail();
            } else {
                auto v = token();
                if (v.empty()) return fail();
                put(p, v);
            }
        }
        return true;
    }

    constexpr bool malformed() const noexcept { return malformed_; }

private:
    constexpr void skip_ows() noexcept {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
    }
    constexpr std::string_view token() noexcept {
        auto start = i_;
        while (i_ < s_.size() && ringkit::detail::is_tchar(static_cast<unsigned char>(s_[i_]))) ++i_;
        return s_.substr(start, i_ - start);
    }
    static constexpr void put(param& p, std::string_view v) noexcept {
        for (char c : v) put(p, c);
    }
    static constexpr void put(param& p, char c) noexcept {
        if (p.size < sizeof p.buf) p.buf[p.size++] = c;
        else p.long_value = true;
    }
    // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4);
    // after unescaping the value must be a token (RFC 6455 §9.1). The whole
    // string is read either way, so a bad value resumes after its closing quote.
    constexpr bool quoted(param& p) noexcept {
        ++i_;
        bool token = true;
        while (i_ < s_.size() && s_[i_] != '"') {
            char c = s_[i_++];
            if (c == '\\') {
                if (i_ >= s_.size()) break;
                c = s_[i_++];
            }
            if (!ringkit::detail::is_tchar(static_cast<unsigned char>(c))) token = false;
            put(p, c);
        }
        if (i_ >= s_.size()) return false;  // unterminated: the rest of the list is inside it
        ++i_;
        return token && p.size != 0;
    }
    constexpr bool fail() noexcept {
        malformed_ = true;
        skip_element();
        return false;
    }
    // Past the next comma that is not inside a quoted-string.
    constexpr void skip_element() noexcept {
        bool in_quotes = false;
        for (; i_ < s_.size(); ++i_) {
            char c = s_[i_];
            if (in_quotes && c == '\\') ++i_;
            else if (c == '"') in_quotes = !in_quotes;
            else if (c == ',' && !in_quotes) {
                ++i_;
                return;
            }
        }
    }

    std::string_view s_;
    std::size_t i_ = 0;
    bool malformed_ = false;
};

// Reads the parameters of a permessage-deflate element; nullopt when one is
// unknown, repeated or has a bad value (RFC 7692 §5: such an offer is declined).
constexpr std::optional<deflate_offer> read_deflate_offer(extension_reader& r) noexcept {
    deflate_offer o;
    bool valid = true;
    extension_reader::param p;
    while (r.next_param(p)) {
        if (!valid) continue;  // read on to the end of the element
        const int bits = p.has_value && !p.long_value ? parse_window_bits(p.value()) : 0;
        if (ringkit::detail::iequals(p.name, "server_no_context_takeover")) {
            valid = !o.server_no_context_takeover && !p.has_value;
            o.server_no_context_takeover = true;
        } else if (ringkit::detail::iequals(p.name, "client_no_context_takeover")) {
            valid = !o.client_no_context_takeover && !p.has_value;
            o.client_no_context_takeover = true;
        } else if (ringkit::detail::iequals(p.name, "server_max_window_bits")) {
            valid = o.server_max_window_bits == 0 && bits != 0;  // a value is required here
            o.server_max_window_bits = bits;
        } else if (ringkit::detail::iequals(p.name, "client_max_window_bits")) {
            valid = o.client_max_window_bits == 0 && (!p.has_value || bits != 0);
            o.client_max_window_bits = p.has_value ? bits : -1;
        } else {
            valid = false;
        }
    }
    if (!valid || r.malformed()) return std::nullopt;
    return o;
}

}  // namespace detail

/// Picks the first acceptable permessage-deflate offer in a Sec-WebSocket-Extensions
/// value (RFC 7692 §5, §7.1). Offers with unknown, repeated or invalid parameters
/// are skipped, as is one that would hold us to an 8-bit window; other extensions
/// are ignored. nullopt → no compression (always when !opt.enabled or without
/// zlib). The result is what format_deflate_response() puts in the answer.
inline std::optional<deflate_params> negotiate_deflate(std::string_view extensions, const deflate_options& opt) {
    if (!deflate_available || !opt.enabled) return std::nullopt;
    detail::extension_reader r(extensions);
    std::string_view name;
    while (r.next(name)) {
        if (r.malformed() || !ringkit::detail::iequals(name, "permessage-deflate")) {
            detail::extension_reader::param p;
            while (r.next_param(p)) {}
            continue;
        }
        auto offer = detail::read_deflate_offer(r);
        if (!offer) continue;

        deflate_params out;
        out.server_max_window_bits = detail::clamp_bits(opt.server_max_window_bits, 9);
        if (offer->server_max_window_bits > 0) {
            // §7.1.2.1: we must answer with the same or a smaller value; 8 we cannot honour.
            if (offer->server_max_window_bits < out.server_max_window_bits)
                out.server_max_window_bits = offer->server_max_window_bits;
            if (out.server_max_window_bits < 9) continue;
            out.echo_server_max_window_bits = true;
        }
        // §7.1.2.2: without the parameter in the offer the answer must not limit the client.
        const int ours = detail::clamp_bits(opt.client_max_window_bits, 9);
        if (offer->client_max_window_bits == -1) out.client_max_window_bits = ours;
        else if (offer->client_max_window_bits > 0)
            out.client_max_window_bits = offer->client_max_window_bits < ours ? offer->client_max_window_bits : ours;
        out.server_no_context_takeover = offer->server_no_context_takeover || opt.server_no_context_takeover;
        out.client_no_context_takeover = offer->client_no_context_takeover || opt.client_no_context_takeover;
        return out;
    }
    return std::nullopt;
}

/// The Sec-WebSocket-Extensions value that accepts `p`, e.g.
/// "permessage-deflate; server_max_window_bits=12".
inline std::string format_deflate_response(const deflate_params& p) {
    std::string s = "permessage-deflate";
    if (p.server_no_context_takeover) s += "; server_no_context_takeover";
    if (p.client_no_context_takeover) s += "; client_no_context_takeover";
    if (p.server_max_window_bits < 15 || p.echo_server_max_window_bits)
        s += "; server_max_window_bits=" + std::to_string(p.server_max_window_bits);
    if (p.client_max_window_bits < 15) s += "; client_max_window_bits=" + std::to_string(p.client_max_window_bits);
    return s;
}

}  // namespace ringkit::ws
