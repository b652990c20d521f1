// An exception from a handler becomes a 500 inside the middleware stack (Ring's
// wrap-stacktrace-log, ring-defaults' exception handling). The server does the
// same at the top, but there the wraps outside the failed handler never see a
// response: catching here lets access logging, security headers and the rest
// still run on the 500, and lets an application answer with its own error page.
// The exception goes to the server's logger (request::logger) unless the
// options name another, so the presets report where the server does.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "ringkit/core/ascii.hpp"
#include "ringkit/core/exception.hpp"
#include "ringkit/core/logger.hpp"
#include "ringkit/middleware/middleware.hpp"

namespace ringkit {

struct exception_options {
    /// Told once per exception caught; empty: the request's logger, which is the
    /// server's (server_options::logger), or stderr outside a server.
    ringkit::logger logger = {};
    /// Puts the exception's what() in the 500's body. For development only: it
    /// tells a client about the server's insides.
    bool show_details = false;
    /// Makes the response for an exception (an application's own error page);
    /// empty: text/plain "Internal Server Error". If it throws, that plain 500 is sent.
    std::function<response(std::exception_ptr)> render = {};
};

namespace detail {

struct exception_state {
    exception_options options;

    response failed(request& req, const std::exception_ptr& error) const {
        // This is the last word on the request: a logger or error page that
        // throws in turn must not take it away.
        try {
            report(req, error);
        } catch (...) {}
        try {
            if (options.render) return options.render(error);
            if (options.show_details)
                return response::text("Internal Server Error\n\n" + exception_message(error), 500);
        } catch (...) {}
        return response::text("Internal Server Error", 500);
    }

    void report(const request& req, const std::exception_ptr& error) const {
        // The uri is a client's: bytes that could forge a log line are escaped.
        std::string message = "handler threw on ";
        message += req.method_name;
        message += ' ';
        detail::append_log_escaped(message, std::string_view(req.uri).substr(0, 1024));
        message += "; sent 500";
        req.log_to(options.logger ? options.logger : req.logger, message, error);
    }
};

inline task<response> catch_async(task<response> pending, request& req, std::shared_ptr<const exception_state> s) {
    std::exception_ptr error;
    try {
        co_return co_await std::move(pending);
    } catch (...) {
        error = std::current_exception();
    }
    co_return s->failed(req, error);
}

}  // namespace detail

/// Middleware: an exception from any handler below, thrown at once or from its
/// coroutine, becomes a 500 (or options.render's response) and is told to the
/// logger once. The body never holds the exception's text unless show_details.
inline auto wrap_exceptions(exception_options options = {}) {
    auto state = std::make_shared<const detail::exception_state>(detail::exception_state{std::move(options)});
    return [state](handler next) {
        return wrap(std::move(next), [state](request& req, const handler& n) -> maybe_task {
            try {
                auto r = n.invoke(req);
                if (auto* pending = std::get_if<task<response>>(&r))
                    return detail::catch_async(std::move(*pending), req, state);
                return r;
            } catch (...) {
                return state->failed(req, std::current_exception());
            }
        });
    };
}

/// wrap_exceptions with only a logger hook.
inline auto wrap_exceptions(ringkit::logger logger) {
    return wrap_exceptions(exception_options{.logger = std::move(logger)});
}

}  // namespace ringkit
