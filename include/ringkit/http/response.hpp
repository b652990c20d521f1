// The response value a handler returns: a Ring response map (status, headers,
// body) where the body is nothing, bytes, a file, or a stream the handler writes.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include <nlohmann/json_fwd.hpp>

#include "ringkit/core/task.hpp"
#include "ringkit/http/headers.hpp"

namespace ringkit {

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

    /// The file at `path` (404 when it cannot be opened as a regular file).
    static response file(const std::string& path, std::string content_type = "application/octet-stream") {
        // O_NONBLOCK: opening a FIFO must not block the I/O thread (it is then refused below).
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) return not_found();
        auto owned = std::shared_ptr<const int>(new int(fd), [](const int* p) {
            ::close(*p);
            delete p;
        });
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return not_found();
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

}  // namespace ringkit
