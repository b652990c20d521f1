// Close codes and the close frame payload (RFC 6455 §5.5.1, §7.4): a 2-byte
// big-endian status code, then an optional UTF-8 reason, 125 bytes in all.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ringkit/ws/utf8.hpp"

namespace ringkit::ws {

namespace close_code {
inline constexpr std::uint16_t normal = 1000, going_away = 1001, protocol_error = 1002, unsupported = 1003,
                               no_status = 1005, abnormal = 1006, invalid_payload = 1007, policy_violation = 1008,
                               too_big = 1009, mandatory_extension = 1010, internal_error = 1011,
                               service_restart = 1012, try_again_later = 1013, bad_gateway = 1014, tls_handshake = 1015;
}  // namespace close_code

/// Codes a peer may put in a close frame (RFC 6455 §7.4, IANA registry): 1000-1003, 1007-1014, 3000-4999.
/// 1004 is reserved, and 1005, 1006 and 1015 only ever describe a close locally
/// (they MUST NOT be sent). 1012-1014 are registered with IANA (service restart, try
/// again later, bad gateway) and servers and proxies do send them, so they are
/// accepted; Autobahn's 7.7.x/7.9.x cases test neither way for them. 1016-2999 are
/// unassigned, 3000-3999 registered by libraries, 4000-4999 private use.
constexpr bool is_valid_close_code(std::uint16_t code) noexcept {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

struct close_payload {
    std::uint16_t code = close_code::no_status;
    std::string_view reason;  // points into the payload that was parsed
};

enum class close_parse { ok, protocol_error /*1002: 1 byte, or invalid code*/, invalid_utf8 /*1007*/ };

/// Parses a received close frame's (unmasked) payload. Empty → code 1005 and no
/// reason, ok. Also refuses a payload over 125 bytes, which no valid control frame
/// carries. `out` is written only on ok.
inline close_parse parse_close_payload(std::string_view payload, close_payload& out) noexcept {
    if (payload.empty()) {
        out = close_payload{};
        return close_parse::ok;
    }
    if (payload.size() == 1 || payload.size() > 125) return close_parse::protocol_error;
    const auto code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                                 static_cast<unsigned char>(payload[1]));
    if (!is_valid_close_code(code)) return close_parse::protocol_error;
    const auto reason = payload.substr(2);
    if (!is_valid_utf8(reason)) return close_parse::invalid_utf8;
    out = close_payload{code, reason};
    return close_parse::ok;
}

/// Appends code (big-endian) + reason, the reason cut to fit 123 bytes at a UTF-8 boundary.
/// The reason is cut at the end of its longest valid UTF-8 prefix that fits, so the
/// payload is always one a peer accepts. The codes that must never be sent (1005,
/// 1006, 1015) append nothing: an empty close payload means "no status".
inline void append_close_payload(std::string& out, std::uint16_t code, std::string_view reason) {
    if (code == close_code::no_status || code == close_code::abnormal || code == close_code::tls_handshake) return;
    out.push_back(static_cast<char>(code >> 8));
    out.push_back(static_cast<char>(code & 0xff));
    reason = reason.substr(0, std::min<std::size_t>(reason.size(), 123));
    out.append(reason.substr(0, detail::utf8_valid_prefix(reason)));
}

/// HTTP-Kit's keyword for a status: "normal", "going-away", "protocol-error", "unsupported",
/// "no-status-received", "abnormal", "invalid-payload-data", "policy-violation", "message-too-big",
/// "mandatory-extension", "internal-server-error", "tls-handshake", else "unknown".
inline std::string_view close_code_name(int code) noexcept {
    switch (code) {
    case close_code::normal: return "normal";
    case close_code::going_away: return "going-away";
    case close_code::protocol_error: return "protocol-error";
    case close_code::unsupported: return "unsupported";
    case close_code::no_status: return "no-status-received";
    case close_code::abnormal: return "abnormal";
    case close_code::invalid_payload: return "invalid-payload-data";
    case close_code::policy_violation: return "policy-violation";
    case close_code::too_big: return "message-too-big";
    case close_code::mandatory_extension: return "mandatory-extension";
    case close_code::internal_error: return "internal-server-error";
    case close_code::tls_handshake: return "tls-handshake";
    default: return "unknown";
    }
}

}  // namespace ringkit::ws
