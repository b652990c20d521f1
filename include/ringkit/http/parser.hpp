// request_parser: llhttp driven one request at a time into a ringkit::request,
// with the limits and the RFC 9112 framing rules llhttp leaves to its user.
//
// llhttp is fed whatever bytes have arrived; it stops (pauses) after each complete
// message, so pipelined requests are parsed from the same buffer in order and the
// caller answers each before the next is parsed. Every failure carries the status
// to answer with; after an error the connection's framing can no longer be trusted.
//
// Spooling: a multipart/form-data body (uploads) that grows past
// limits.spool_threshold goes to an anonymous temp file (request::body_file)
// instead of request::body, the bytes so far and every later one, so an upload
// costs disk, not memory; max_body still bounds it (413). The writes are plain
// synchronous write(2) calls on the I/O thread: they land in the page cache and
// return without waiting for the disk, unless the kernel is throttling dirty pages.
// A failed write answers 507 when the disk or quota is full (ENOSPC, EDQUOT) and
// 500 for anything else (the temp file cannot be created, EIO, ...).
#pragma once

#include <fcntl.h>
#include <llhttp.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "ringkit/core/ascii.hpp"
#include "ringkit/http/chunk_framing.hpp"
#include "ringkit/http/head_scan.hpp"
#include "ringkit/http/method.hpp"
#include "ringkit/http/request.hpp"

namespace ringkit {

/// Request limits. Defaults match HTTP-Kit's run-server where the option means the same.
struct parser_limits {
    std::size_t max_line = 8UL * 1024;         ///< request-target bytes (414) and one header line (431)
    std::size_t max_header = 64UL * 1024;      ///< all header bytes of one request (431)
    std::size_t max_header_count = 256;        ///< header fields in one request (431)
    std::size_t max_body = 8UL * 1024 * 1024;  ///< body bytes, chunked included (413)
    /// A multipart/form-data body past this many bytes goes to a temp file
    /// (request::body_file) instead of memory; 0: never.
    std::size_t spool_threshold = 1024UL * 1024;
    /// Where spooled bodies go; empty: $TMPDIR, or /tmp when that is unset or empty.
    std::string spool_dir = {};
};

namespace detail {

/// The fallback of open_anonymous_file: a new 0600 file (mkostemp: created
/// exclusively) unlinked at once, so only a crash between the two calls leaves a name.
inline int open_unlinked_file(const std::string& dir) {
    std::string path = dir + (dir.ends_with('/') ? "" : "/") + "ringkit-spool-XXXXXX";
    const int fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(path.c_str());
    return fd;
}

/// An anonymous 0600 file in `dir` (nothing on disk carries its name), opened
/// read-write; -1 with errno set on failure. O_TMPFILE where the kernel and the
/// file system support it, else mkostemp and an immediate unlink.
inline int open_anonymous_file(const std::string& dir_option) {
    std::string dir = dir_option;
    if (dir.empty()) {
        const char* env =
            std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe): races only with setenv, which ringkit never calls
        dir = env && *env ? env : "/tmp";
    }
#ifdef O_TMPFILE
    if (int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600); fd >= 0) return fd;
        // EOPNOTSUPP, EISDIR or EINVAL: no O_TMPFILE here; other errors recur below.
#endif
    return open_unlinked_file(dir);
}

/// Writes all of `data` to `fd`; false with errno set on failure.
inline bool write_all(int fd, std::string_view data) noexcept {
    while (!data.empty()) {
        const auto n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

/// Whether a Content-Type value names multipart/form-data (any case, parameters ignored).
inline bool is_multipart_form(std::string_view content_type) noexcept {
    constexpr std::string_view type = "multipart/form-data";
    while (!content_type.empty() && (content_type.front() == ' ' || content_type.front() == '\t'))
        content_type.remove_prefix(1);
    if (content_type.size() < type.size() || !iequals(content_type.substr(0, type.size()), type)) return false;
    const auto rest = content_type.substr(type.size());
    return rest.empty() || rest.front() == ';' || rest.front() == ' ' || rest.front() == '\t';
}

}  // namespace detail

enum class parse_event {
    need_more,         ///< every byte was consumed; read more
    expect_continue,   ///< headers done and the client waits for "100 Continue" before its body
    message_complete,  ///< a whole request is in the bound request value
    error,             ///< answer error_status() and close
};

class request_parser {
public:
    explicit request_parser(parser_limits limits = {}) : limits_(std::move(limits)) {
        llhttp_settings_init(&settings_);
        settings_.on_message_begin = &on_message_begin;
        settings_.on_url = &on_url;
        settings_.on_header_field = &on_header_field;
        settings_.on_header_field_complete = &on_header_field_complete;
        settings_.on_header_value = &on_header_value;
        settings_.on_header_value_complete = &on_header_value_complete;
        settings_.on_headers_complete = &on_headers_complete;
        settings_.on_body = &on_body;
        settings_.on_chunk_header = &on_chunk_header;
        settings_.on_message_complete = &on_message_complete;
        llhttp_init(&parser_, HTTP_REQUEST, &settings_);
        parser_.data = this;
    }
    request_parser(const request_parser&) = delete;
    request_parser& operator=(const request_parser&) = delete;
    ~request_parser() = default;

    /// Sets the request value that the next message is parsed into.
    void bind(request& req) noexcept { req_ = &req; }
    const parser_limits& limits() const noexcept { return limits_; }

    struct result {
        parse_event event;
        std::size_t consumed;  ///< bytes of the input used; the rest belongs to the next call
    };

    /// Parses as much of `data` as belongs to the current request.
    result feed(std::string_view data) {
        if (failed_) return {parse_event::error, 0};
        if (paused_) {
            llhttp_resume(&parser_);
            paused_ = false;
        }
        if (paused_upgrade_) {
            llhttp_resume_after_upgrade(&parser_);
            paused_upgrade_ = false;
        }
        if (data.empty()) return {parse_event::need_more, 0};
        std::size_t body_start = 0;  // where bytes after the head begin in `data`
        if (!head_.done()) {
            if (const auto fault = head_.scan(data, limits_.max_line + limits_.max_header, body_start)) {
                fail(fault.status, fault.why);
                return {parse_event::error, 0};
            }
        }
        framing_cursor_ = data.data() + body_start;
        auto err = llhttp_execute(&parser_, data.data(), data.size());
        std::size_t used = data.size();
        if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE)
            used = static_cast<std::size_t>(llhttp_get_error_pos(&parser_) - data.data());
        if ((err == HPE_OK || err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) && chunked_ &&
            !scan_framing(data.data() + used)) {
            status_ = 400;
            err = HPE_USER;
        }
        switch (err) {
        case HPE_OK: return {parse_event::need_more, used};
        case HPE_PAUSED: {
            paused_ = true;
            if (continue_pending_) {
                continue_pending_ = false;
                return {parse_event::expect_continue, used};
            }
            head_.reset();  // the next byte starts the next request
            return {parse_event::message_complete, used};
        }
        case HPE_PAUSED_UPGRADE: {
            // The bytes after an Upgrade request belong to the new protocol if the
            // handler switches; otherwise HTTP parsing goes on from here.
            paused_upgrade_ = true;
            upgrade_ = true;
            head_.reset();
            return {parse_event::message_complete, used};
        }
        default:
            if (status_ == 0) {
                status_ = status_for(err, data);
                message_ = llhttp_get_error_reason(&parser_);
            }
            failed_ = true;
            return {parse_event::error, 0};
        }
    }

    /// Whether bytes of a request have been seen that have not yet made a whole request.
    bool in_message() const noexcept { return started_ && !complete_; }
    /// Whether the current request's headers are complete (its body may be pending).
    bool headers_done() const noexcept { return headers_done_; }
    /// Body bytes of the current request so far (decoded: chunk framing not counted).
    std::size_t body_received() const noexcept { return body_bytes_; }
    /// After message_complete: may the connection carry another request?
    bool keep_alive() const noexcept { return llhttp_should_keep_alive(&parser_) != 0; }
    /// After message_complete: the request asked to switch protocols (Upgrade + Connection: upgrade).
    bool upgrade() const noexcept { return upgrade_; }
    bool http10() const noexcept { return parser_.http_minor == 0; }

    /// After an error: the status to answer with, and a short reason for logs.
    int error_status() const noexcept { return status_; }
    std::string_view error_message() const noexcept { return message_; }

private:
    static request_parser& self(llhttp_t* p) noexcept { return *static_cast<request_parser*>(p->data); }

    // Every framing byte of a chunked body (all but the data that on_body
    // receives) passes through here, on to detail::chunk_framing_check.
    bool scan_framing(const char* end) {
        if (const char* why = framing_.scan(framing_cursor_, end, limits_.max_line)) return message_ = why, false;
        framing_cursor_ = end;
        return true;
    }

    bool fail(int status, const char* why) noexcept {
        status_ = status;
        message_ = why;
        failed_ = true;
        return false;
    }
    int reject(int status, const char* why) noexcept {
        status_ = status;
        message_ = why;
        return HPE_USER;
    }

    static int on_message_begin(llhttp_t* p) {
        auto& s = self(p);
        s.req_->clear();
        s.started_ = true;
        s.headers_done_ = s.complete_ = s.upgrade_ = false;
        s.in_field_ = s.expect_continue_ = s.continue_pending_ = false;
        s.header_count_ = s.header_bytes_ = s.line_bytes_ = 0;
        s.host_count_ = 0;
        s.chunked_ = false;
        s.framing_.reset();
        s.body_bytes_ = 0;
        s.spoolable_ = false;
        s.spool_fd_ = -1;
        return 0;
    }

    static int on_url(llhttp_t* p, const char* at, std::size_t len) {
        auto& s = self(p);
        if (s.req_->uri.size() + len > s.limits_.max_line) return s.reject(414, "request target too long");
        s.req_->uri.append(at, len);
        return 0;
    }

    static int on_header_field(llhttp_t* p, const char* at, std::size_t len) {
        auto& s = self(p);
        if (!s.in_field_) {
            s.in_field_ = true;
            s.line_bytes_ = 0;
            if (++s.header_count_ > s.limits_.max_header_count) return s.reject(431, "too many header fields");
            s.req_->headers.begin_field();
        }
        if (int rc = s.count_header_bytes(len)) return rc;
        s.req_->headers.append_field({at, len});
        return 0;
    }

    static int on_header_field_complete(llhttp_t* p) {
        auto& s = self(p);
        // An empty name gets no on_header_field call; a non-strict llhttp lets
        // non-token bytes through. Either way the line is malformed.
        if (!s.in_field_ || !detail::is_token(s.req_->headers.pending_name()))
            return s.reject(400, "invalid header name");
        s.in_field_ = false;
        s.req_->headers.begin_value();
        return 0;
    }

    static int on_header_value(llhttp_t* p, const char* at, std::size_t len) {
        auto& s = self(p);
        if (int rc = s.count_header_bytes(len)) return rc;
        // llhttp lets some control bytes through; RFC 9110 §5.5 forbids them.
        if (!detail::is_field_value({at, len})) return s.reject(400, "invalid byte in header value");
        s.req_->headers.append_value({at, len});
        return 0;
    }

    static int on_header_value_complete(llhttp_t* p) {
        auto& s = self(p);
        if (s.headers_done_) {
            // Trailer fields: Ring has no place for them and merging them is where
            // smuggling lives (RFC 9110 §6.5.1), so they are counted and dropped.
            s.req_->headers.discard_pending();
            return 0;
        }
        auto [name, value] = s.req_->headers.end_value();
        if (name == "host") {
            ++s.host_count_;
        } else if (name == "expect") {
            if (!detail::iequals(value, "100-continue")) return s.reject(417, "unsupported expectation");
            s.expect_continue_ = true;
        }
        return 0;
    }

    static int on_headers_complete(llhttp_t* p) {
        auto& s = self(p);
        s.headers_done_ = true;
        return s.finish_head();
    }

    int finish_head() {
        auto& r = *req_;
        if (parser_.http_major != 1 || parser_.http_minor > 1) return reject(505, "unsupported HTTP version");
        r.protocol = parser_.http_minor == 1 ? "HTTP/1.1" : "HTTP/1.0";
        r.method_name = llhttp_method_name(static_cast<llhttp_method_t>(parser_.method));
        r.request_method = method_from_name(r.method_name);
        // ringkit is an origin server, not a proxy: it does not tunnel.
        if (r.request_method == method::connect) return reject(501, "CONNECT is not supported");
        if (int rc = split_target()) return rc;
        if (int rc = check_host()) return rc;
        // RFC 9112 §6.1: a 1.0 recipient cannot be trusted to have framed chunked bodies.
        if ((parser_.flags & F_TRANSFER_ENCODING) && parser_.http_minor == 0)
            return reject(400, "Transfer-Encoding in an HTTP/1.0 request");
        if ((parser_.flags & F_CONTENT_LENGTH) && parser_.content_length > limits_.max_body)
            return reject(413, "body larger than max_body");
        r.headers.merge_repeats();
        chunked_ = (parser_.flags & F_CHUNKED) != 0;
        const bool has_body = chunked_ || ((parser_.flags & F_CONTENT_LENGTH) && parser_.content_length > 0);
        // Only a request with a body pays for the Content-Type lookup.
        spoolable_ = has_body && limits_.spool_threshold > 0 &&
                     detail::is_multipart_form(r.headers.get("content-type").value_or(""));
        if (expect_continue_ && has_body && parser_.http_minor == 1) {
            continue_pending_ = true;
            return HPE_PAUSED;
        }
        return 0;
    }

    // origin-form "/p?q", absolute-form "http://h:1/p?q" (RFC 9112 §3.2), or "*" for OPTIONS.
    int split_target() {
        auto& r = *req_;
        std::string_view t = r.uri;
        if (t.find('#') != std::string_view::npos) return reject(400, "fragment in request target");
        if (t == "*") return r.request_method == method::options ? 0 : reject(400, "asterisk-form outside OPTIONS");
        std::size_t path_start = 0;
        if (t.empty() || t.front() != '/') {
            auto scheme_end = t.find("://");
            if (scheme_end == std::string_view::npos) return reject(400, "malformed request target");
            auto scheme = t.substr(0, scheme_end);
            if (!detail::iequals(scheme, "http") && !detail::iequals(scheme, "https"))
                return reject(400, "unsupported scheme in request target");
            auto authority_start = scheme_end + 3;
            auto authority_end = t.find_first_of("/?", authority_start);
            if (authority_end == std::string_view::npos) authority_end = t.size();
            auto authority = t.substr(authority_start, authority_end - authority_start);
            if (authority.empty() || authority.find('@') != std::string_view::npos)
                return reject(400, "malformed authority in request target");
            absolute_host_.assign(authority);
            path_start = authority_end;
        } else {
            absolute_host_.clear();
        }
        // Cut the target down to the path in place: no allocation per request.
        if (auto q = t.find('?', path_start); q != std::string_view::npos) {
            r.query_string.emplace(t.substr(q + 1));
            r.uri.resize(q);
        }
        r.uri.erase(0, path_start);
        if (r.uri.empty()) r.uri = "/";
        return 0;
    }

    // RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host; an absolute-form
    // target's authority takes precedence over it.
    int check_host() {
        auto& r = *req_;
        if (host_count_ > 1) return reject(400, "more than one Host header");
        if (host_count_ == 0 && parser_.http_minor == 1) return reject(400, "missing Host header");
        std::string_view host =
            absolute_host_.empty() ? r.headers.get("host").value_or("") : std::string_view(absolute_host_);
        if (host.empty())
            return host_count_ == 1 && parser_.http_minor == 1 && absolute_host_.empty()
                       ? reject(400, "empty Host header")
                       : 0;
        std::string_view name = host, port;
        if (host.front() == '[') {
            auto close = host.find(']');
            if (close == std::string_view::npos) return reject(400, "malformed Host header");
            name = host.substr(0, close + 1);
            auto after = host.substr(close + 1);
            if (!after.empty()) {
                if (after.front() != ':') return reject(400, "malformed Host header");
                port = after.substr(1);
            }
        } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
            name = host.substr(0, colon);
            port = host.substr(colon + 1);
        }
        for (char c : name)
            if (c == '/' || c == '\\' || c == '@' || c == ' ' || c == '\t' || c == ',')
                return reject(400, "malformed Host header");
        if (!port.empty()) {
            unsigned value = 0;
            auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
            if (ec != std::errc() || end != port.data() + port.size() || value > 65535)
                return reject(400, "invalid port in Host header");
        }
        if (!name.empty()) r.server_name.assign(name);
        return 0;
    }

    int count_header_bytes(std::size_t len) {
        line_bytes_ += len;
        header_bytes_ += len;
        if (line_bytes_ > limits_.max_line) return reject(431, "header line too long");
        if (header_bytes_ + 4 * header_count_ > limits_.max_header) return reject(431, "headers too large");
        return 0;
    }

    // A chunk that announces more than max_body allows is refused before its data arrives.
    static int on_chunk_header(llhttp_t* p) {
        auto& s = self(p);
        if (p->content_length > s.limits_.max_body - s.body_bytes_) return s.reject(413, "body larger than max_body");
        return 0;
    }

    static int on_body(llhttp_t* p, const char* at, std::size_t len) {
        auto& s = self(p);
        if (len > s.limits_.max_body - s.body_bytes_) return s.reject(413, "body larger than max_body");
        if (s.chunked_) {
            if (!s.scan_framing(at)) return s.reject(400, s.message_);
            s.framing_cursor_ = at + len;
        }
        s.body_bytes_ += len;
        if (s.spool_fd_ < 0 && s.spoolable_ && s.body_bytes_ > s.limits_.spool_threshold) {
            if (int rc = s.start_spool()) return rc;
        }
        if (s.spool_fd_ >= 0) {
            // Synchronous write(2) on the I/O thread: it copies into the page cache.
            if (!detail::write_all(s.spool_fd_, {at, len})) return s.reject_write();
            s.req_->body_file->size += len;
            return 0;
        }
        s.req_->body.append(at, len);
        return 0;
    }

    // Moves the body so far to a new anonymous temp file that request::body_file owns.
    int start_spool() {
        auto& r = *req_;
        const int fd = detail::open_anonymous_file(limits_.spool_dir);
        if (fd < 0) return reject_write();
        r.body_file.emplace(spooled_body{std::shared_ptr<const int>(new int(fd),
                                                                    [](const int* p) {
                                                                        ::close(*p);
                                                                        delete p;
                                                                    }),
                                         0});
        spool_fd_ = fd;
        if (!detail::write_all(fd, r.body)) return reject_write();
        r.body_file->size = r.body.size();
        std::string().swap(r.body);  // give the memory back now: that is the point
        return 0;
    }

    int reject_write() noexcept {
        return errno == ENOSPC || errno == EDQUOT ? reject(507, "no space left to spool the request body")
                                                  : reject(500, "cannot spool the request body to a temp file");
    }

    static int on_message_complete(llhttp_t* p) {
        auto& s = self(p);
        s.complete_ = true;
        s.started_ = false;
        // An upgrade request makes llhttp pause by itself (HPE_PAUSED_UPGRADE) right
        // after this callback; pausing here as well would report the message twice.
        return p->upgrade ? 0 : HPE_PAUSED;
    }

    int status_for(llhttp_errno_t err, std::string_view data) const noexcept {
        switch (err) {
        case HPE_INVALID_METHOD: {
            // A well-formed token we do not know is "not implemented"; garbage is "bad".
            const char* pos = llhttp_get_error_pos(&parser_);
            std::string_view rest = pos ? data.substr(static_cast<std::size_t>(pos - data.data())) : std::string_view();
            auto sp = rest.find(' ');
            return sp != std::string_view::npos && sp > 0 && detail::is_token(rest.substr(0, sp)) ? 501 : 400;
        }
        case HPE_INVALID_VERSION: return 505;
        case HPE_INVALID_CONTENT_LENGTH:
        case HPE_INVALID_CHUNK_SIZE: {
            std::string_view why = llhttp_get_error_reason(&parser_);
            return why.find("overflow") != std::string_view::npos ? 413 : 400;
        }
        default: return 400;
        }
    }

    parser_limits limits_;
    llhttp_settings_t settings_{};
    llhttp_t parser_{};
    request* req_ = nullptr;
    std::string absolute_host_;
    detail::head_scan head_;
    std::size_t header_count_ = 0, header_bytes_ = 0, line_bytes_ = 0;
    int host_count_ = 0;
    int status_ = 0;
    const char* message_ = "";
    const char* framing_cursor_ = nullptr;  // first chunked-framing byte not yet scanned
    detail::chunk_framing_check framing_;
    std::size_t body_bytes_ = 0;  // of the current request, in memory or spooled
    int spool_fd_ = -1;           // req_->body_file's descriptor while this request spools
    bool chunked_ = false, spoolable_ = false;
    bool started_ = false, headers_done_ = false, complete_ = false, upgrade_ = false;
    bool in_field_ = false, expect_continue_ = false, continue_pending_ = false;
    bool paused_ = false, paused_upgrade_ = false, failed_ = false;
};

}  // namespace ringkit
