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
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "ringkit/core/base64.hpp"
#include "ringkit/core/logger.hpp"
#include "ringkit/core/random.hpp"
#include "ringkit/core/task.hpp"
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
/// implementation is thread-safe. The synchronous forms are called on the I/O
/// thread, so they must not block for long (an in-memory map or a cookie). A
/// store behind a network round trip (redis_store) says asynchronous() and
/// overrides the *_async forms instead; wrap_session() then awaits those, and
/// its synchronous forms may throw std::logic_error. A store whose backend fails
/// throws from the *_async forms: wrap_session() answers 503 (see there).
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

    /// True when wrap_session() must use the *_async forms. Asked once, when the
    /// middleware is built: false keeps the synchronous path, with no coroutine frame.
    virtual bool asynchronous() const noexcept { return false; }
    /// read(), write() and erase() as coroutines, run on the request's I/O thread;
    /// they resume there. The defaults call the synchronous forms.
    virtual task<std::optional<nlohmann::json>> read_async(std::string key) { co_return read(key); }
    virtual task<std::string> write_async(std::string key, nlohmann::json data) { co_return write(key, data); }
    virtual task<void> erase_async(std::string key) {
        erase(key);
        co_return;
    }
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

// What the way out does to the store and the cookie: erase `erase` when not
// empty, expire the cookie, or write the data under `write` ("" for a fresh key)
// and send the key the store returns (send_session_key).
struct session_save {
    std::string erase;
    bool expire_cookie = false;
    std::optional<std::string> write;
};

inline session_save plan_session_save(const std::string& key, bool cookie_sent, const session& s) {
    session_save out;
    if (s.rotating()) {
        out.erase = key;
        if (s.data().empty()) out.expire_cookie = cookie_sent;
        else out.write = std::string();
        return out;
    }
    if (!s.changed() || (key.empty() && s.data().empty())) return out;
    out.write = key;
    return out;
}

// After a write: a cookie when the key changed (always, after a rotation) or
// when the cookie is persistent (its Max-Age is refreshed).
inline void send_session_key(const session_options& opt, const std::string& key, std::string new_key, response& res) {
    if (new_key != key || opt.max_age) add_cookie(res, opt.cookie_name, session_cookie(opt, std::move(new_key)));
}

// The way out: saves, rotates or ends the session and sets the cookie to match.
inline void finish_session(session_store& store, const session_options& opt, const std::string& key, bool cookie_sent,
                           const session& s, response& res) {
    auto plan = plan_session_save(key, cookie_sent, s);
    if (!plan.erase.empty()) store.erase(plan.erase);
    if (plan.expire_cookie) expire_cookie(res, opt.cookie_name, session_cookie(opt, {}));
    if (plan.write) send_session_key(opt, key, store.write(*plan.write, s.data()), res);
}

// The session cookie's value (possibly empty); nullopt when none was sent.
inline std::optional<std::string> session_cookie_of(const request& req, const session_options& opt) {
    if (auto header = req.header("cookie"))
        if (auto value = find_cookie(*header, opt.cookie_name, false)) return std::string(*value);
    return std::nullopt;
}

// Puts the session that came with the request (or a fresh one, when the store
// had nothing usable) where session_of() finds it; the key it is stored under, or "".
inline std::string load_session(request& req, std::optional<std::string> cookie, std::optional<nlohmann::json> data) {
    std::string key;
    if (data && data->is_object()) key = std::move(cookie).value_or(std::string());
    else data.reset();
    const bool existed = data.has_value();
    req.ext.emplace<session>(existed ? std::move(*data) : nlohmann::json::object(), existed);
    return key;
}

// A store's failure: told to the request's logger, and 503 (the handler's
// answer, if any, is dropped: a login whose session was not saved must not look
// like a success).
inline response session_store_failed(request& req, const char* when, const std::exception_ptr& error) {
    try {
        req.log(when, error);
    } catch (...) {  // NOLINT(bugprone-empty-catch): a failing logger never changes the answer
    }
    auto res = response::text("Service Unavailable: the session store is unreachable\n", 503);
    res.headers.add("Retry-After", "1");
    return res;
}

// wrap_session() for an asynchronous store: one coroutine per request.
inline task<response> session_async(std::shared_ptr<session_store> store, std::shared_ptr<const session_options> opt,
                                    request& req, const handler& next) {
    auto cookie = session_cookie_of(req, *opt);
    const bool cookie_sent = cookie.has_value();
    std::optional<nlohmann::json> data;
    std::exception_ptr failed;
    if (cookie && !cookie->empty()) {
        try {
            data = co_await store->read_async(*cookie);
        } catch (...) {
            failed = std::current_exception();
        }
        if (failed) co_return session_store_failed(req, "session store: reading the session failed", failed);
    }
    const std::string key = load_session(req, std::move(cookie), std::move(data));
    auto pending = next.invoke(req);
    response res;
    if (auto* done = std::get_if<response>(&pending)) res = std::move(*done);
    else res = co_await std::move(std::get<task<response>>(pending));
    auto* s = req.ext.find<session>();
    if (!s) co_return res;
    auto plan = plan_session_save(key, cookie_sent, *s);
    try {
        if (!plan.erase.empty()) co_await store->erase_async(plan.erase);
        if (plan.expire_cookie) expire_cookie(res, opt->cookie_name, session_cookie(*opt, {}));
        if (plan.write) send_session_key(*opt, key, co_await store->write_async(*plan.write, s->data()), res);
    } catch (...) {
        failed = std::current_exception();
    }
    if (failed) co_return session_store_failed(req, "session store: saving the session failed", failed);
    co_return res;
}
}  // namespace detail

/// Loads the session named by the request's cookie from `store` (a fresh, empty
/// one when there is none) for session_of(req), and saves it on the way out when
/// it changed. Throws std::invalid_argument at once for a cookie name or
/// attributes add_cookie() would refuse. If the handler throws, nothing is saved.
/// A synchronous store (memory_store, cookie_store) is called in place, with no
/// coroutine frame unless the handler below has one; an asynchronous one
/// (redis_store) is awaited. When an asynchronous store fails (its backend is
/// down or slow: it throws), the answer is 503 with Retry-After and the failure
/// goes to req.logger: before the handler when reading, instead of the
/// handler's response when saving.
inline auto wrap_session(std::shared_ptr<session_store> store, session_options opt = {}) {
    if (!store) throw std::invalid_argument("ringkit: wrap_session() needs a store");
    (void)format_set_cookie(opt.cookie_name, detail::session_cookie(opt, {}));
    return [store = std::move(store), opt = std::make_shared<const session_options>(std::move(opt))](handler next) {
        if (store->asynchronous())
            return wrap(std::move(next), [store, opt](request& req, const handler& n) -> maybe_task {
                return detail::session_async(store, opt, req, n);
            });
        return wrap(std::move(next), [store, opt](request& req, const handler& n) -> maybe_task {
            auto cookie = detail::session_cookie_of(req, *opt);
            const bool cookie_sent = cookie.has_value();
            std::optional<nlohmann::json> data;
            if (cookie && !cookie->empty()) data = store->read(*cookie);
            auto key = detail::load_session(req, std::move(cookie), std::move(data));
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
