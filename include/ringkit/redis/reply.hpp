// redis::reply: a Redis reply as a plain value, copied out of hiredis's reply
// object (which hiredis frees when its callback returns).
#pragma once

#include <hiredis/hiredis.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace ringkit::redis {

/// One reply. A bulk string and a status ("+OK") both land in `str`; an integer in
/// `integer`; an array's items in `elements`. A nil (missing key) has kind::nil.
/// An error reply inside an array (EXEC's results) stays a kind::error element; a
/// top-level error reply is thrown instead (error::server_error).
struct reply {
    enum class kind { nil, string, status, integer, array, error };

    kind type = kind::nil;
    std::string str;
    long long integer = 0;
    std::vector<reply> elements;

    bool is_nil() const noexcept { return type == kind::nil; }
    /// The string of a bulk string or status reply; nullopt for a nil.
    std::optional<std::string> as_string() const {
        if (type == kind::string || type == kind::status) return str;
        return std::nullopt;
    }

    static reply from(const redisReply& r) {
        reply out;
        switch (r.type) {
        case REDIS_REPLY_STRING: out.type = kind::string; break;
        case REDIS_REPLY_STATUS: out.type = kind::status; break;
        case REDIS_REPLY_ERROR: out.type = kind::error; break;
        case REDIS_REPLY_INTEGER: out.type = kind::integer; break;
        case REDIS_REPLY_ARRAY: out.type = kind::array; break;
        default: out.type = kind::nil; break;
        }
        if (r.str != nullptr) out.str.assign(r.str, r.len);
        out.integer = r.integer;
        out.elements.reserve(r.elements);
        for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(from(*r.element[i]));
        return out;
    }
};

}  // namespace ringkit::redis
