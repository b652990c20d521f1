// The one logger of ringkit: where the server, channels and middleware report
// what they cannot answer for themselves (handler exceptions, invalid
// responses, files that cannot be opened, accept failures). One type, so that
// server_options::logger, wrap_exceptions' hook and the presets are the same thing.
#pragma once

#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ringkit/core/exception.hpp"

namespace ringkit {

/// A function told a message and the exception it is about (null when none),
/// or, when made empty, a line on stderr. Copies share the function (a copy
/// costs a reference count), so a request can carry the server's. The function
/// is called on the thread where the event happened, possibly several at once:
/// it must be thread-safe. An exception it throws reaches the caller of log();
/// ringkit's own callers swallow it, so a failing logger never changes an answer.
class logger {
public:
    using function = std::function<void(std::string_view message, std::exception_ptr error)>;

    /// Prints to stderr.
    logger() = default;

    /// Tells `f`. An empty std::function prints to stderr, as logger() does.
    template <class F>
    requires(!std::is_base_of_v<logger, std::remove_cvref_t<F>> &&
             std::is_invocable_v<F&, std::string_view, std::exception_ptr>)
        logger(F f) {  // NOLINT(google-explicit-constructor): a lambda converts, as into std::function
        function fn(std::move(f));
        if (fn) fn_ = std::make_shared<const function>(std::move(fn));
    }

    /// Tells the function, or stderr when there is none.
    void log(std::string_view message, const std::exception_ptr& error = nullptr) const {
        if (fn_) return (*fn_)(message, error);
        to_stderr(message, error);
    }
    void operator()(std::string_view message, const std::exception_ptr& error = nullptr) const { log(message, error); }

    /// Whether a function was given (false: stderr).
    explicit operator bool() const noexcept { return static_cast<bool>(fn_); }

    /// "ringkit: message: what()" on stderr, the default destination.
    static void to_stderr(std::string_view message, const std::exception_ptr& error) {
        auto what = exception_message(error);
        (void)std::fprintf(stderr, "ringkit: %.*s%s%s\n", static_cast<int>(message.size()), message.data(),
                           what.empty() ? "" : ": ", what.c_str());  // nowhere to report a failure
    }

private:
    std::shared_ptr<const function> fn_;
};

}  // namespace ringkit
