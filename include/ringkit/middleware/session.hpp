// Sessions, as Ring's wrap-session: a cookie names a session in a pluggable
// store, the handler reads and changes rk::session_of(req) (a JSON object), and
// on the way out the session is saved only if it changed. Ending a session
// erases it from the store and expires the cookie; rotating it moves the data
// to a fresh key and erases the old one, which is the defence against session
// fixation (rotate on login and on any change of privilege).
//
// A key the store does not know is never adopted: a client cannot pick the id
// of the session it will be given.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

#include "ringkit/core/base64.hpp"
#include "ringkit/core/random.hpp"
#include "ringkit/middleware/cookies.hpp"
#include "ringkit/middleware/middleware.hpp"

namespace ringkit {

namespace detail {

// `bytes` random bytes as base64url text.
inline std::string random_token(std::size_t bytes) {
    std::string raw(bytes, '\0');
    random_bytes(raw.data(), raw.size());
    return base64url_encode(raw);
}

// Equality whose time depends only on the lengths, not on where the first
// difference is: for comparing secrets a client guesses at.
inline bool constant_time_equals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace detail

/// Where sessions live. Calls come from every I/O thread at once, so an
/// implementation is thread-safe, and it is called on the I/O thread, so it must
/// not block for long (an in-memory map or a cookie, not a database round trip).
class session_store {
public:
    virtual ~session_store() = default;
    /// The session stored under `key`; nullopt when unknown, expired or invalid.
    virtual std::optional<nlohmann::json> read(std::string_view key) = 0;
    /// Stores `data` under `key` (empty for a new session) and returns the key to
    /// send back, which may differ from `key`.
    virtual std::string write(std::string_view key, const nlohmann::json& data) = 0;
    /// Forgets the session under `key`; unknown keys are ignored.
    virtual void erase(std::string_view key) = 0;
};

/// The session of one request: a JSON object the handler reads and changes.
class session {
public:
    session() = default;
    /// A session that came from the store (`existed`) or a fresh one.
    session(nlohmann::json data, bool existed) : data_(std::move(data)), original_(data_), existed_(existed) {}

    /// The whole session object; changes are saved when the response goes out.
    nlohmann::json& data() noexcept { return data_; }
    const nlohmann::json& data() const noexcept { return data_; }
    /// The value under `key`, created as null when absent (like json's operator[]).
    nlohmann::json& operator[](std::string_view key) { return data_[std::string(key)]; }
    bool contains(std::string_view key) const { return data_.contains(key); }
    /// Removes `key` from the session.
    void erase(std::string_view key) { data_.erase(std::string(key)); }

    /// Ends the session (logout, Ring's `:session nil`): its data is dropped, the
    /// store entry erased and the cookie expired. Anything stored afterwards in
    /// this request starts a new session under a new key.
    void clear_and_end() {
        data_ = nlohmann::json::object();
        rotate_ = true;
    }
    /// Gives the session a new key when the response goes out and erases the old
    /// one (Ring's `^:recreate`): call it on login against session fixation.
    void rotate() noexcept { rotate_ = true; }

    /// True when no stored session came with the request.
    bool is_new() const noexcept { return !existed_; }
    /// True when rotate() or clear_and_end() was called.
    bool rotating() const noexcept { return rotate_; }
    /// True when the data differs from what the request brought.
    bool changed() const { return data_ != original_; }

private:
    nlohmann::json data_ = nlohmann::json::object();
    nlohmann::json original_ = nlohmann::json::object();
    bool existed_ = false;
    bool rotate_ = false;
};

/// How wrap_session() names and scopes its cookie.
struct session_options {
    std::string cookie_name = "ringkit-session";
    std::string path = "/";
    std::optional<std::string> domain{};
    /// Scripts cannot read the cookie (keeps XSS from stealing sessions).
    bool http_only = true;
    /// Sent over HTTPS only: turn on in production behind TLS.
    bool secure = false;
    /// Lax: not sent on cross-site POSTs, a first line against CSRF.
    same_site_policy same_site = same_site_policy::lax;
    /// A persistent cookie (refreshed whenever the session is saved); a browser-session cookie when unset.
    std::optional<std::chrono::seconds> max_age{};
};

/// The session wrap_session() loaded; throws std::logic_error without it.
inline session& session_of(const request& req) {
    if (auto* s = req.ext.find<session>()) return *s;
    throw std::logic_error("ringkit: session_of() needs rk::wrap_session(store) in the middleware stack");
}

namespace detail {
inline set_cookie session_cookie(const session_options& opt, std::string value) {
    return {.value = std::move(value),
            .path = opt.path,
            .domain = opt.domain,
            .max_age = opt.max_age,
            .secure = opt.secure,
            .http_only = opt.http_only,
            .same_site = opt.same_site};
}

// The way out: saves, rotates or ends the session and sets the cookie to match.
inline void finish_session(session_store& store, const session_options& opt, const std::string& key, bool cookie_sent,
                           const session& s, response& res) {
    if (s.rotating()) {
        if (!key.empty()) store.erase(key);
        if (s.data().empty()) {
            if (cookie_sent) expire_cookie(res, opt.cookie_name, session_cookie(opt, {}));
            return;
        }
        add_cookie(res, opt.cookie_name, session_cookie(opt, store.write({}, s.data())));
        return;
    }
    if (!s.changed() || (key.empty() && s.data().empty())) return;
    auto new_key = store.write(key, s.data());
    if (new_key != key || opt.max_age) add_cookie(res, opt.cookie_name, session_cookie(opt, std::move(new_key)));
}
}  // namespace detail

/// Loads the session named by the request's cookie from `store` (a fresh, empty
/// one when there is none) for session_of(req), and saves it on the way out when
/// it changed. Throws std::invalid_argument at once for a cookie name or
/// attributes add_cookie() would refuse. If the handler throws, nothing is saved.
inline auto wrap_session(std::shared_ptr<session_store> store, session_options opt = {}) {
    if (!store) throw std::invalid_argument("ringkit: wrap_session() needs a store");
    (void)format_set_cookie(opt.cookie_name, detail::session_cookie(opt, {}));
    return [store = std::move(store), opt = std::make_shared<const session_options>(std::move(opt))](handler next) {
        return wrap(std::move(next), [store, opt](request& req, const handler& n) -> maybe_task {
            std::string key;
            bool cookie_sent = false;
            std::optional<nlohmann::json> data;
            if (auto header = req.header("cookie")) {
                if (auto value = find_cookie(*header, opt->cookie_name, false)) {
                    cookie_sent = true;
                    if (!value->empty()) data = store->read(*value);
                    if (data && data->is_object()) key = std::move(*value);
                    else data.reset();
                }
            }
            const bool existed = data.has_value();
            req.ext.emplace<session>(existed ? std::move(*data) : nlohmann::json::object(), existed);
            return then(n.invoke(req), req, [store, opt, key = std::move(key), cookie_sent](request& r, response& res) {
                if (auto* s = r.ext.find<session>()) detail::finish_session(*store, *opt, key, cookie_sent, *s, res);
            });
        });
    };
}

/// wrap_session() with a store passed by value (memory_store, cookie_store: copies share their state).
template <class Store>
requires std::derived_from<Store, session_store>
auto wrap_session(Store store, session_options opt = {}) {
    return wrap_session(std::shared_ptr<session_store>(std::make_shared<Store>(std::move(store))), std::move(opt));
}

}  // namespace ringkit
