// Flash messages, as Ring's wrap-flash: a value set while answering one request
// (typically before a redirect, "Saved!") is shown by the next request only.
// It travels in the session under "_flash", so wrap_session() must be outside
// wrap_flash() (`app | rk::wrap_flash() | rk::wrap_session(store)`).
#pragma once

#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "ringkit/middleware/middleware.hpp"
#include "ringkit/middleware/session.hpp"

namespace ringkit {

/// The session key flash values travel under (Ring's :_flash).
inline constexpr std::string_view flash_session_key = "_flash";

/// What wrap_flash() found in the session for this request.
struct incoming_flash {
    std::optional<nlohmann::json> value;
};

/// Moves the flash the previous request left in the session onto this request
/// (flash_of), removing it from the session so it shows once. Throws
/// std::logic_error on each request when wrap_session() is not outside it.
inline auto wrap_flash() {
    return [](handler next) {
        return wrap(std::move(next), [](request& req, const handler& n) -> maybe_task {
            auto* s = req.ext.find<session>();
            if (!s)
                throw std::logic_error(
                    "ringkit: wrap_flash() needs rk::wrap_session(store) outside it: "
                    "app | rk::wrap_flash() | rk::wrap_session(store)");
            auto& in = req.ext.emplace<incoming_flash>();
            if (s->contains(flash_session_key)) {
                in.value = std::move((*s)[flash_session_key]);
                s->erase(flash_session_key);
            }
            return n.invoke(req);
        });
    };
}

/// The flash the previous request set, if any; throws std::logic_error without wrap_flash().
inline const std::optional<nlohmann::json>& flash_of(const request& req) {
    if (auto* f = req.ext.find<incoming_flash>()) return f->value;
    throw std::logic_error("ringkit: flash_of() needs rk::wrap_flash() in the middleware stack");
}

/// Sets the flash the next request will see (replacing one set earlier in this
/// request). It is saved with the session, so it is lost if the handler throws
/// or ends the session afterwards.
inline void set_flash(request& req, nlohmann::json value) { session_of(req)[flash_session_key] = std::move(value); }

}  // namespace ringkit
