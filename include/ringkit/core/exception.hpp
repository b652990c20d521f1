// Turning an exception_ptr into words, for loggers (ringkit's and users' own).
#pragma once

#include <exception>
#include <string>

namespace ringkit {

/// The what() of the exception `error` holds; "unknown exception" for one that is
/// not a std::exception, "" for a null pointer.
inline std::string exception_message(const std::exception_ptr& error) {
    if (!error) return {};
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown exception";
    }
}

}  // namespace ringkit
