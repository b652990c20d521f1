// A client request's bytes: request line, Host, User-Agent, Authorization,
// the caller's headers, Content-Type and Content-Length, then the body, in one
// string written with one write. No socket; the rules that decide what a server
// reads live here: a header a server could split or misread (CR, LF, NUL, a name
// that is not a token) is refused before anything is sent.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ringkit/client/request.hpp"
#include "ringkit/client/url.hpp"
#include "ringkit/core/ascii.hpp"
#include "ringkit/core/base64.hpp"
#include "ringkit/http/headers.hpp"
#include "ringkit/http/method.hpp"

namespace ringkit::detail {

/// `url`'s target with `query` form-encoded after its own query.
inline std::string target_with_query(std::string target, const field_list& query) {
    if (query.empty()) return target;
    target.push_back(target.find('?') == std::string::npos ? '?' : '&');
    target += form_encode(query);
    return target;
}

/// The Authorization value for basic auth: "Basic base64(user:password)".
inline std::string basic_authorization(const basic_auth& a) {
    return "Basic " + base64_encode(a.user + ':' + a.password);
}

/// The bytes of one request to `url` (its target already carrying any query):
/// the head, and the body when it is in memory (a body of pieces, body->pieces,
/// is the connection's to write after these bytes).
/// Throws std::invalid_argument for method::other or a header that is not a
/// token name with a field value (RFC 9110 §5.1, §5.5).
inline std::string write_request(method m, const parsed_url& url, const header_list& headers,
                                 const std::optional<request_body>& body, const std::optional<basic_auth>& auth,
                                 std::string_view user_agent) {
    if (m == method::other) throw std::invalid_argument("ringkit client: method::other has no name to send");
    std::string out;
    out.reserve(128 + url.target.size() + (body && body->pieces.empty() ? body->data.size() : 0));
    out.append(to_string(m)).append(" ").append(url.target).append(" HTTP/1.1\r\n");
    auto line = [&out](std::string_view name, std::string_view value) {
        if (!is_token(name) || !is_field_value(value))
            throw std::invalid_argument("ringkit client: header \"" + std::string(name) + "\" is not a valid field");
        out.append(name).append(": ").append(value).append("\r\n");
    };
    if (!headers.contains("host")) line("Host", url.authority());
    if (!user_agent.empty() && !headers.contains("user-agent")) line("User-Agent", user_agent);
    if (auth && !headers.contains("authorization")) line("Authorization", basic_authorization(*auth));
    for (const auto& [name, value] : headers) {
        if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) continue;  // framing is ours
        line(name, value);
    }
    if (body && !body->content_type.empty() && !headers.contains("content-type"))
        line("Content-Type", body->content_type);
    // RFC 9110 §8.6: a body, or a method that is expected to have one.
    if (body || m == method::post || m == method::put || m == method::patch)
        line("Content-Length", std::to_string(body ? body->size() : 0));
    out.append("\r\n");
    if (body && body->pieces.empty()) out.append(body->data);
    return out;
}

}  // namespace ringkit::detail
