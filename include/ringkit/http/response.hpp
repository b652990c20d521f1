// The response value a handler returns: a Ring response map (status, headers,
// body) where the body is nothing, bytes, a file, or a stream the handler writes.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include <nlohmann/json_fwd.hpp>

#include "ringkit/core/ascii.hpp"
#include "ringkit/core/logger.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/http/headers.hpp"

namespace ringkit {

class response;

namespace detail {
/// The status for a file that open(2) or fstat(2) failed on with `err`: only a
/// missing file is 404 (ENOENT, ENOTDIR); EACCES 403; out of descriptors
/// (EMFILE, ENFILE) 503, which a client may retry; anything else 500.
inline int file_error_status(int err) noexcept {
    switch (err) {
    case ENOENT:
    case ENOTDIR: return 404;
    case EACCES: return 403;
    case EMFILE:
    case ENFILE: return 503;
    default: return 500;
    }
}
/// The answer for `path` failing with `err`, told to `log` unless it is a 404.
inline response file_error(std::string_view path, int err, const logger& log);
}  // namespace detail

/// A regular file sent as the body, with sendfile(2) where the transport allows.
/// The descriptor is opened when the response is made, so a missing file is
/// known before anything is written.
struct file_body {
    std::shared_ptr<const int> fd;  // closes on last copy
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

/// Where a streaming handler writes its body. Each write becomes one HTTP/1.1
/// chunk (or raw bytes on an HTTP/1.0 connection, which then closes to end the body).
/// A write suspends until the bytes are handed to the socket, so a slow client
/// slows the producer instead of growing memory. Throws std::system_error once
/// the client has gone.
class body_writer {
public:
    virtual task<void> write(std::string_view bytes) = 0;

protected:
    ~body_writer() = default;
};

/// A body produced while it is sent. The function runs on the connection's
/// thread after the status line and headers are out.
struct stream_body {
    std::function<task<void>(body_writer&)> produce;
};

class response {
public:
    using body_type = std::variant<std::monostate, std::string, file_body, stream_body>;

    int status = 200;
    header_list headers;
    body_type body;

    response() = default;
    explicit response(int s) : status(s) {}
    response(int s, header_list h, body_type b = {}) : status(s), headers(std::move(h)), body(std::move(b)) {}

    static response text(std::string body, int status = 200) {
        return with_type(status, "text/plain; charset=utf-8", std::move(body));
    }
    static response html(std::string body, int status = 200) {
        return with_type(status, "text/html; charset=utf-8", std::move(body));
    }
    /// `value` dumped, as application/json. Callers include <ringkit/json.hpp>
    /// (or <nlohmann/json.hpp>): this header sees only json_fwd.hpp, so that
    /// handlers which never answer JSON do not parse nlohmann_json. A template
    /// whose parameter is never deduced: `Json` is always nlohmann::json, the
    /// body compiles only where it is called, and the argument ({{"done", true}},
    /// a string, a number...) converts there, which needs the complete type:
    /// without the include the call is a compile error naming this line.
    template <class Json = nlohmann::json>
    static response json(const std::type_identity_t<Json>& value, int status = 200) {  // #include <ringkit/json.hpp>
        return with_type(status, "application/json", value.dump());
    }
    /// A body with an explicit content type.
    static response bytes(std::string body, std::string content_type, int status = 200) {
        return with_type(status, std::move(content_type), std::move(body));
    }
    static response not_found() { return text("Not Found", 404); }
    static response redirect(std::string location, int status = 302) {
        return response(status, {{"Location", std::move(location)}});
    }

    /// The file at `path`. 404 when it does not exist (ENOENT, ENOTDIR) or is not a
    /// regular file; when it exists but cannot be opened: 403 (EACCES), 503 (EMFILE,
    /// ENFILE: out of descriptors, worth a retry) or 500 (anything else), each told
    /// to `log` with the errno as a std::system_error. In a handler, pass req.logger
    /// (the server's); the default prints to stderr.
    static response file(const std::string& path, std::string content_type = "application/octet-stream",
                         const logger& log = {}) {
        // O_NONBLOCK: opening a FIFO must not block the I/O thread (it is then refused below).
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) return detail::file_error(path, errno, log);
        auto owned = std::shared_ptr<const int>(new int(fd), [](const int* p) {
            ::close(*p);
            delete p;
        });
        struct stat st {};
        if (::fstat(fd, &st) != 0) return detail::file_error(path, errno, log);
        if (!S_ISREG(st.st_mode)) return not_found();
        response r(200);
        r.headers.add("Content-Type", std::move(content_type));
        r.body = file_body{std::move(owned), 0, static_cast<std::uint64_t>(st.st_size)};
        return r;
    }

    /// A chunked body written by `produce` (see body_writer).
    static response stream(std::function<task<void>(body_writer&)> produce,
                           std::string content_type = "text/plain; charset=utf-8", int status = 200) {
        response r(status);
        r.headers.add("Content-Type", std::move(content_type));
        r.body = stream_body{std::move(produce)};
        return r;
    }

    /// What a handler returns once it has handed the connection to a channel
    /// (ws::accept, as_channel): the connection has its answer already.
    static response upgraded() { return response(101); }

    /// Body bytes when the body is a string, else empty.
    std::string_view body_string() const noexcept {
        auto* s = std::get_if<std::string>(&body);
        return s ? std::string_view(*s) : std::string_view();
    }

private:
    static response with_type(int status, std::string type, std::string body) {
        response r(status);
        r.headers.add("Content-Type", std::move(type));
        r.body = std::move(body);
        return r;
    }
};

namespace detail {
inline response file_error(std::string_view path, int err, const logger& log) {
    const int status = file_error_status(err);
    if (status == 404) return response::not_found();
    // The path may hold a client's bytes (a handler built it from the uri): escaped.
    std::string message = "cannot open file \"";
    append_log_escaped(message, path.substr(0, 1024));
    message += "\"; sent " + std::to_string(status);
    try {
        log.log(message, std::make_exception_ptr(std::system_error(err, std::generic_category())));
    } catch (...) {}  // a failing logger must not change the answer
    switch (status) {
    case 403: return response::text("Forbidden", 403);
    case 503: return response::text("Service Unavailable", 503);
    default: return response::text("Internal Server Error", 500);
    }
}
}  // namespace detail

}  // namespace ringkit
