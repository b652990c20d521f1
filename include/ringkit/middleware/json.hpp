// ring-json's wrap-json-body: a request body sent as application/json (or any
// application/*+json, e.g. application/merge-patch+json) is parsed once into an
// nlohmann::json on the request, so handlers read a value instead of bytes, and
// a body that is not JSON is answered 400 before any handler sees it.
//
// Nesting is bounded before parsing: a linear pre-scan counts brackets outside
// strings, so "[[[[..." a hundred thousand deep costs one pass and a 400, never a
// deep recursion in the parser or in the value's destructor.
//
// Responses: ring-json's wrap-json-response exists because a Ring body may be a
// Clojure map; here a handler returns rk::response::json(value, status), which
// dumps the value and sets Content-Type: application/json, and compiles wherever
// nlohmann/json.hpp is included (this header, or <ringkit/json.hpp>).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "ringkit/http/handler.hpp"
#include "ringkit/middleware/media_type.hpp"
#include "ringkit/middleware/middleware.hpp"

namespace ringkit {

struct json_options {
    /// Deepest nesting of arrays and objects accepted; deeper is 400.
    std::size_t max_depth = 256;
    /// When true, a non-empty body that is not JSON is 415 instead of passed on.
    bool require_json = false;
};

/// The parsed body wrap_json_body stores on the request; read it with json_of(req).
struct json_body {  // NOLINT(bugprone-exception-escape): the doubt is nlohmann::json's own noexcept move, not ours
    nlohmann::json value;  ///< null for an empty body (as ring-json reads one)
};

/// The JSON body of the request; throws std::logic_error when wrap_json_body did
/// not run or the body was not JSON (find<json_body>() to test for it).
inline const nlohmann::json& json_of(const request& req) { return req.ext.get<json_body>().value; }

/// Whether a Content-Type names JSON: application/json or application/*+json.
inline bool is_json_type(const media_type& m) noexcept {
    if (!detail::iequals(m.type, "application")) return false;
    if (detail::iequals(m.subtype, "json")) return true;
    return m.subtype.size() > 5 && detail::iequals(m.subtype.substr(m.subtype.size() - 5), "+json");
}

namespace detail {

/// The deepest bracket nesting in `text`, counting outside strings only, and
/// stopping as soon as it passes `limit` (then returns limit + 1).
inline std::size_t json_depth(std::string_view text, std::size_t limit) noexcept {
    std::size_t depth = 0, deepest = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;  // the escaped byte cannot end the string
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest && (deepest = depth) > limit) return limit + 1;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

}  // namespace detail

/// Parses an application/json or application/*+json body into a json_body on
/// the request. Bad JSON (including text that is not UTF-8) is 400 naming the
/// byte where it went wrong; nesting past max_depth is 400; other bodies pass
/// through untouched, or are 415 with require_json.
inline auto wrap_json_body(json_options options = {}) {
    return [options](handler next) {
        return wrap(std::move(next), [options](request& req, const handler& n) -> maybe_task {
            const auto type = content_type_of(req);
            if (!type || !is_json_type(*type)) {
                if (options.require_json && !req.body.empty())
                    return response::text("Unsupported Media Type: expected application/json", 415);
                return n.invoke(req);
            }
            if (req.body.empty()) {
                req.ext.emplace<json_body>();
                return n.invoke(req);
            }
            if (detail::json_depth(req.body, options.max_depth) > options.max_depth)
                return response::text("Malformed JSON: nested deeper than " + std::to_string(options.max_depth), 400);
            nlohmann::json value;
            try {
                value = nlohmann::json::parse(req.body);
            } catch (const nlohmann::json::parse_error& e) {
                // e.what() repeats the client's bytes; the position and the kind are enough.
                std::string_view what = e.what();
                const auto colon = what.find(": ");
                auto reason =
                    colon == std::string_view::npos ? std::string_view("syntax error") : what.substr(colon + 2);
                reason = reason.substr(0, reason.find(';'));
                return response::text("Malformed JSON at byte " + std::to_string(e.byte) + ": " + std::string(reason),
                                      400);
            } catch (const nlohmann::json::exception&) {
                // out_of_range.406: a number past a double ("1e999"); its what() quotes the client too.
                return response::text("Malformed JSON: a number is out of range", 400);
            }
            req.ext.emplace<json_body>(std::move(value));
            return n.invoke(req);
        });
    };
}

}  // namespace ringkit
