// Ring's wrap-params and wrap-nested-params in one: the query string and an
// application/x-www-form-urlencoded body become ordered name/value lists on the
// request (Ring's :query-params, :form-params and :params), and bracketed names
// ("user[name]", "tags[]") become a nested JSON value, so handlers never
// percent-decode or split strings themselves.
//
// Decoding follows the WHATWG urlencoded parser: pairs split on '&', empty pairs
// skipped, a pair without '=' has the empty value, '+' is a space and %XX a byte.
// Values are bytes, not text: an encoded NUL (%00) or a byte that is not UTF-8 is
// kept as it is, because it is data the client sent and only the handler knows
// what it should be. (nlohmann's dump() throws on bytes that are not UTF-8: dump
// nested() with error_handler_t::replace when that can happen.)
//
// What a client gets for bad input (every limit is a params_options field):
//   malformed escape ("%", "%4", "%zz")          400
//   a name longer than max_name_length           400
//   a name nested deeper than max_depth          400
//   more than max_params pairs in the query      414 (the target is too long to interpret)
//   more than max_params pairs in the form body  413 (the content is too large)
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringkit/http/handler.hpp"
#include "ringkit/http/url.hpp"
#include "ringkit/middleware/media_type.hpp"
#include "ringkit/middleware/middleware.hpp"

namespace ringkit {

/// An ordered list of decoded name/value pairs; a repeated name keeps every value.
class param_list {
public:
    using value_type = std::pair<std::string, std::string>;

    /// The first value of `name`, if any.
    std::optional<std::string_view> get(std::string_view name) const noexcept {
        for (auto& [n, v] : items_)
            if (n == name) return std::string_view(v);
        return std::nullopt;
    }
    /// Every value of `name`, in the order sent.
    std::vector<std::string_view> all(std::string_view name) const {
        std::vector<std::string_view> out;
        for (auto& [n, v] : items_)
            if (n == name) out.emplace_back(v);
        return out;
    }
    bool contains(std::string_view name) const noexcept { return get(name).has_value(); }
    void add(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }

    auto begin() const noexcept { return items_.begin(); }
    auto end() const noexcept { return items_.end(); }
    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }

private:
    std::vector<value_type> items_;
};

struct params_options {
    /// Pairs accepted from the query string, and again from the form body.
    std::size_t max_params = 1000;
    /// Bytes in one decoded name.
    std::size_t max_name_length = 1024;
    /// Bracket levels below the top name: "a[b][c]" is depth 2.
    std::size_t max_depth = 32;
    /// Whether to parse application/x-www-form-urlencoded bodies (the query always is).
    bool parse_form = true;
};

/// What wrap_params stores on the request; read it with params_of(req).
class params {
public:
    param_list query;   ///< from the query string (Ring's :query-params)
    param_list form;    ///< from a urlencoded body, or multipart text fields (Ring's :form-params)
    param_list merged;  ///< query pairs, then form pairs (Ring's :params)

    explicit params(std::size_t max_depth = 32) : max_depth_(max_depth) {}

    /// The first value of `name` in query-then-form order. Ring lets the form win
    /// when both have a name; here both are kept: read `form` for the body's value.
    std::optional<std::string_view> get(std::string_view name) const noexcept { return merged.get(name); }
    /// Every value of `name`, query first.
    std::vector<std::string_view> all(std::string_view name) const { return merged.all(name); }

    /// The merged pairs nested by their bracketed names (Ring's wrap-nested-params):
    /// "a[b][c]=1" -> {"a":{"b":{"c":"1"}}}; "a[]=1&a[]=2" -> {"a":["1","2"]};
    /// "a[][b]=1" appends {"b":"1"}; a name repeated without brackets collects its
    /// values into an array. A name that is not of the form name[seg][seg]... (e.g.
    /// "a[b", "a[b]c", "[a]") is a plain key. A pair whose shape conflicts with
    /// what earlier pairs built ("a=1&a[b]=2": a is a string, not an object) is
    /// left out of this value (it stays in the flat lists): first shape wins.
    const nlohmann::json& nested() const noexcept { return nested_; }

    /// Adds a pair to `query` or (from_form) `form`, and to `merged` and nested().
    /// False (and nothing added) when the name is nested deeper than max_depth.
    bool add(std::string name, std::string value, bool from_form) {
        if (!nest(name, value)) return false;
        merged.add(name, value);
        (from_form ? form : query).add(std::move(name), std::move(value));
        return true;
    }

private:
    // Splits "a[b][]" into "a", "b", "" without recursion; a name that does not
    // have that exact shape is one plain segment.
    static std::vector<std::string_view> segments(std::string_view name) {
        std::vector<std::string_view> out;
        const auto open = name.find('[');
        if (open == 0 || open == std::string_view::npos || name.back() != ']') return {name};
        out.push_back(name.substr(0, open));
        for (std::size_t i = open; i < name.size();) {
            if (name[i] != '[') return {name};
            const auto close = name.find_first_of("[]", i + 1);
            if (close == std::string_view::npos || name[close] != ']') return {name};
            out.push_back(name.substr(i + 1, close - i - 1));
            i = close + 1;
        }
        return out;
    }

    bool nest(std::string_view name, const std::string& value) {
        const auto path = segments(name);
        if (path.size() - 1 > max_depth_) return false;
        if (!nested_.is_object()) nested_ = nlohmann::json::object();
        nlohmann::json* node = &nested_;  // always an object or an array here
        for (std::size_t i = 0; i < path.size(); ++i) {
            const bool last = i + 1 == path.size();
            const bool append = i > 0 && path[i].empty();  // "[]"
            if (append) {
                if (!node->is_array()) return true;  // conflict: left out
                if (last) {
                    node->push_back(value);
                    return true;
                }
                node->push_back(container_for(path[i + 1]));
                node = &node->back();
                continue;
            }
            if (!node->is_object()) return true;
            const std::string key(path[i]);
            auto it = node->find(key);
            if (last) {
                if (it == node->end()) (*node)[key] = value;
                else if (it->is_string()) *it = nlohmann::json::array({std::move(*it), value});
                else if (it->is_array()) it->push_back(value);
                return true;  // onto an object: conflict, left out
            }
            const bool want_array = path[i + 1].empty();
            if (it == node->end()) {
                it = node->emplace(key, container_for(path[i + 1])).first;
            } else if (want_array && it->is_string()) {
                *it = nlohmann::json::array({std::move(*it)});  // "a=1&a[]=2" -> ["1","2"]
            } else if (want_array ? !it->is_array() : !it->is_object()) {
                return true;  // conflict: left out
            }
            node = &*it;
        }
        return true;
    }

    static nlohmann::json container_for(std::string_view next_segment) {
        return next_segment.empty() ? nlohmann::json::array() : nlohmann::json::object();
    }

    nlohmann::json nested_ = nlohmann::json::object();
    std::size_t max_depth_;
};

/// The params wrap_params stored; throws std::logic_error when it is not in the stack.
inline const params& params_of(const request& req) { return req.ext.get<params>(); }

namespace detail {

/// Why a urlencoded string was refused, with the status to answer.
struct params_error {
    int status;
    std::string message;
};

/// Decodes one urlencoded string into `out`; the error when it is refused.
inline std::optional<params_error> parse_urlencoded(std::string_view text, params& out, bool from_form,
                                                    const params_options& opt) {
    const char* where = from_form ? "form body" : "query string";
    std::size_t count = 0;
    while (!text.empty()) {
        const auto amp = text.find('&');
        const auto pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
        if (pair.empty()) continue;
        if (++count > opt.max_params)
            return params_error{from_form ? 413 : 414, std::string("Too many parameters in the ") + where};
        const auto eq = pair.find('=');
        const auto raw_name = pair.substr(0, eq);
        if (raw_name.size() > 3 * opt.max_name_length)  // no decoding of a hostile name
            return params_error{400, std::string("Parameter name too long in the ") + where};
        auto name = percent_decode(raw_name, true);
        auto value = eq == std::string_view::npos ? std::optional<std::string>(std::string())
                                                  : percent_decode(pair.substr(eq + 1), true);
        if (!name || !value) return params_error{400, std::string("Malformed percent-encoding in the ") + where};
        if (name->size() > opt.max_name_length)
            return params_error{400, std::string("Parameter name too long in the ") + where};
        if (!out.add(std::move(*name), std::move(*value), from_form))
            return params_error{400, std::string("Parameter nested too deeply in the ") + where};
    }
    return std::nullopt;
}

}  // namespace detail

/// Parses the query string and (for application/x-www-form-urlencoded, any
/// charset parameter ignored) the body into a `params` on the request, or
/// answers 400/413/414 as the table at the top of this file says. A request
/// that already has params (wrap_params twice) is passed on as it is.
inline auto wrap_params(params_options options = {}) {
    return [options](handler next) {
        return wrap(std::move(next), [options](request& req, const handler& n) -> maybe_task {
            if (req.ext.contains<params>()) return n.invoke(req);
            params p(options.max_depth);
            if (req.query_string)
                if (auto err = detail::parse_urlencoded(*req.query_string, p, false, options))
                    return response::text(std::move(err->message), err->status);
            if (options.parse_form && !req.body.empty()) {
                auto type = content_type_of(req);
                if (type && type->is("application", "x-www-form-urlencoded"))
                    if (auto err = detail::parse_urlencoded(req.body, p, true, options))
                        return response::text(std::move(err->message), err->status);
            }
            req.ext.emplace<params>(std::move(p));
            return n.invoke(req);
        });
    };
}

}  // namespace ringkit
