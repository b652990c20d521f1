// response_parser: one HTTP/1.1 response at a time, bytes in and events out, with
// no socket (the uWebSockets split: the client's I/O shell reads, feeds, and acts
// on what comes back).
//
// llhttp (HTTP_RESPONSE) does the byte-level parsing; ringkit adds what llhttp 8
// leaves to its user or is lenient about: the head's grammar (response_head_scan,
// ahead of llhttp), chunk framing (chunk_framing_check), the limits of
// client_limits, the rules that need the request (a response to HEAD, 1xx, 204 and
// 304 have no body; 101 only when an upgrade was asked for; a 2xx to CONNECT is a
// tunnel), and one client_error per fault.
//
// Driving it, once per request on a connection:
//
//     parser.begin(method::get);
//     loop: auto [event, used] = parser.feed(buffered);  buffered.remove_prefix(used);
//       need_more  every byte was used: read more and feed it (at EOF call finish())
//       head       head() holds status, reason, headers; feed the rest (maybe nothing)
//       body       body() is the next piece of the body, a view into the bytes just
//                  fed, valid until the next call; feed the rest (maybe nothing)
//       complete   the response is whole; reusable() says whether the connection may
//                  carry another request
//       error      error() says which fault; close the connection
//
// After head and body the caller feeds again even with no bytes left: the end of
// the response may already be in hand (a body that ends with the read).
// Interim responses (100 Continue, 103 Early Hints) are skipped. A body without
// Content-Length or chunked ends at the connection's end: finish() reports it
// complete; every other response cut short by EOF is closed_early. One event per
// call, so a download streams through a bounded buffer; pieces of the body are never
// copied. The same events come for the same bytes however they are cut into reads,
// with two exceptions: which of two faults in one response is reported first, and
// how much of a body arrives before body_too_large (a piece that would cross
// max_body is refused whole, so never more than max_body).
// One thread at a time; not reusable after an error.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "ringkit/client/error.hpp"
#include "ringkit/client/response_head_scan.hpp"
#include "ringkit/core/ascii.hpp"
#include "ringkit/http/chunk_framing.hpp"
#include "ringkit/http/headers.hpp"
#include "ringkit/http/method.hpp"

namespace ringkit {

/// What one response may hold. Every field finite, every fault its client_error.
struct client_limits {
    std::size_t max_status_line = 8UL * 1024;  ///< status-line bytes (status_line_too_long)
    std::size_t max_header_bytes =
        64UL * 1024;                     ///< header section and trailer bytes, line ends included (headers_too_large)
    std::size_t max_header_count = 256;  ///< header and trailer fields (too_many_headers)
    std::size_t max_chunk_line = 4UL * 1024;  ///< a chunk-size line with its extensions (bad_chunk_size)
    /// Decoded body bytes (body_too_large). A caller streaming a download to disk
    /// raises it; one that keeps bodies in memory keeps it near what it can hold.
    std::uint64_t max_body = 64ULL * 1024 * 1024;
};

/// A response's status line and headers.
struct response_head {
    int status = 0;
    std::string reason;
    int version_minor = 1;  ///< the minor version: HTTP/1.0 or HTTP/1.1
    /// Names lower-cased, values trimmed; a repeated name stays a separate entry,
    /// in order (Set-Cookie lines must not be joined), and get() finds the first.
    request_headers headers;
    std::optional<std::uint64_t> content_length;  ///< when the body is framed by it
    bool chunked = false;                         ///< the body is chunked
    /// The response lets the connection carry another request: HTTP/1.1 without
    /// Connection: close, or HTTP/1.0 with keep-alive, and a body whose end is framed.
    bool keep_alive = false;

    void clear() noexcept {
        status = 0;
        reason.clear();
        version_minor = 1;
        headers.clear();
        content_length.reset();
        chunked = keep_alive = false;
    }
};

enum class response_event : std::uint8_t {
    need_more,  ///< every byte was used; read more (or call finish() at the connection's end)
    head,       ///< head() is complete
    body,       ///< body() is the next piece of the body
    complete,   ///< the response is whole
    error,      ///< error() says why; close the connection
};

class response_parser {
public:
    explicit response_parser(client_limits limits = {})
        : limits_(limits), scan_(limits_.max_status_line, limits_.max_header_bytes) {
        llhttp_settings_init(&settings_);
        settings_.on_message_begin = &on_message_begin;
        settings_.on_status = &on_status;
        settings_.on_status_complete = &on_status_complete;
        settings_.on_header_field = &on_header_field;
        settings_.on_header_field_complete = &on_header_field_complete;
        settings_.on_header_value = &on_header_value;
        settings_.on_header_value_complete = &on_header_value_complete;
        settings_.on_headers_complete = &on_headers_complete;
        settings_.on_chunk_header = &on_chunk_header;
        settings_.on_body = &on_body;
        settings_.on_message_complete = &on_message_complete;
    }
    response_parser(const response_parser&) = delete;
    response_parser& operator=(const response_parser&) = delete;
    ~response_parser() = default;

    const client_limits& limits() const noexcept { return limits_; }

    /// Expects the response to a request with method `m`; `upgrade_expected`: the
    /// request asked to switch protocols, so a 101 is its answer rather than a fault.
    /// `max_body`: this response's body limit in place of client_limits::max_body
    /// (a streamed download has its own). Call once per request, after the
    /// previous response completed (not after an error).
    void begin(method m, bool upgrade_expected = false, std::optional<std::uint64_t> max_body = std::nullopt) {
        max_body_ = max_body.value_or(limits_.max_body);
        restart_llhttp();
        scan_.reset();
        head_.clear();
        method_ = m;
        upgrade_expected_ = upgrade_expected;
        phase_ = phase::head;
        pause_ = pause::none;
        tunnel_ = reusable_ = seen_bytes_ = false;
        body_ = {};
        body_bytes_ = 0;
        rejected_.reset();
    }

    struct result {
        response_event event;
        std::size_t consumed;  ///< bytes of the input used; the rest belongs to the next call
    };

    /// Parses as much of `data` as makes the next event (see the file's comment).
    result feed(std::string_view data) {
        switch (phase_) {
        case phase::failed: return {response_event::error, 0};
        case phase::idle:
        case phase::done:
            if (data.empty()) return {response_event::need_more, 0};
            reusable_ = false;  // nothing was asked: the stream is not what it should be
            return fail(client_error::unexpected_bytes);
        case phase::switched:
            // The bytes after a 101 or a CONNECT's 2xx are the new protocol's: none used.
            phase_ = phase::done;
            return {response_event::complete, 0};
        case phase::head:
        case phase::body: break;
        }
        if (!data.empty()) seen_bytes_ = true;
        std::size_t offset = 0;  // bytes of `data` used by interim responses skipped in this call
        for (;;) {
            const std::string_view rest = data.substr(offset);
            std::size_t body_start = 0;
            if (!scan_.done()) {
                if (!scan_.scan(rest, body_start)) return fail(scan_.error());
                if (rest.empty()) return {response_event::need_more, data.size()};
            }
            const auto [err, used] = execute(rest, body_start);
            if (err == HPE_OK) return {response_event::need_more, data.size()};
            if (err != HPE_PAUSED) return fail(error_for(err));
            offset += used;
            const pause why = pause_;
            pause_ = pause::none;
            switch (why) {
            case pause::interim:
                // The final response's head is next, read as a new message: llhttp
                // would take a "Connection: close" on the interim one as the end of
                // the stream and skip whatever followed, silently.
                scan_.reset();
                restart_llhttp();
                continue;
            case pause::head: phase_ = tunnel_ ? phase::switched : phase::body; return {response_event::head, offset};
            case pause::body: return {response_event::body, offset};
            case pause::complete:
                phase_ = phase::done;
                // Bytes after the response in the same read: not a stream to reuse.
                reusable_ = head_.keep_alive && offset == data.size();
                return {response_event::complete, offset};
            case pause::none: return fail(client_error::bad_status_line);  // unreachable: every pause names itself
            }
        }
    }

    /// The connection ended. A body read until the close is complete; any other
    /// response in progress is closed_early (started() tells whether any byte of it
    /// came: a reused connection the server closed before answering). need_more when
    /// no response was in progress.
    result finish() {
        if (phase_ == phase::failed) return {response_event::error, 0};
        if (phase_ == phase::idle || phase_ == phase::done) return {response_event::need_more, 0};
        if (auto r = feed({}); r.event != response_event::need_more) return r;
        if (phase_ == phase::head) return fail(client_error::closed_early);
        resume();
        if (llhttp_finish(&parser_) == HPE_PAUSED && pause_ == pause::complete) {
            pause_ = pause::none;
            phase_ = phase::done;
            reusable_ = false;  // the server closed it
            return {response_event::complete, 0};
        }
        return fail(client_error::closed_early);
    }

    /// The response's head; complete from the head event on, until the next begin().
    const response_head& head() const noexcept { return head_; }
    /// After a body event: the piece, a view into the bytes given to feed().
    std::string_view body() const noexcept { return body_; }
    /// Body bytes so far (decoded: chunk framing not counted).
    std::uint64_t body_received() const noexcept { return body_bytes_; }
    /// Whether any byte of the current response has arrived.
    bool started() const noexcept { return seen_bytes_; }
    /// A response was begun and has not completed or failed.
    bool in_response() const noexcept {
        return phase_ == phase::head || phase_ == phase::body || phase_ == phase::switched;
    }
    /// After complete: the connection may carry another request. False after a 101
    /// or a tunnel, a body read until close, Connection: close, bytes after the
    /// response, or any error.
    bool reusable() const noexcept { return phase_ == phase::done && reusable_; }
    /// After complete: the response was a 101 (or a CONNECT's 2xx) and the
    /// connection now speaks another protocol.
    bool upgraded() const noexcept { return tunnel_ && phase_ == phase::done; }
    /// After an error: which one.
    std::error_code error() const noexcept { return phase_ == phase::failed ? error_ : std::error_code(); }

private:
    enum class phase : std::uint8_t { idle, head, body, switched, done, failed };
    // Why llhttp paused: each callback that pauses says so.
    enum class pause : std::uint8_t { none, interim, head, body, complete };

    static response_parser& self(llhttp_t* p) noexcept { return *static_cast<response_parser*>(p->data); }

    void restart_llhttp() noexcept {
        llhttp_init(&parser_, HTTP_RESPONSE, &settings_);
        parser_.data = this;
        paused_ = false;
    }

    void resume() noexcept {
        if (paused_) llhttp_resume(&parser_);
        paused_ = false;
    }

    // Runs llhttp over `rest` (from a resumed pause, if any); `body_start` is where
    // the head ended in it, so that only framing bytes after it are checked.
    std::pair<llhttp_errno_t, std::size_t> execute(std::string_view rest, std::size_t body_start) {
        resume();
        static constexpr char none = 0;  // llhttp is given a real pointer even for no bytes
        const char* begin = rest.empty() ? &none : rest.data();
        framing_cursor_ = begin + body_start;
        auto err = llhttp_execute(&parser_, begin, rest.size());
        std::size_t used = rest.size();
        if (err == HPE_PAUSED) {
            paused_ = true;
            used = static_cast<std::size_t>(llhttp_get_error_pos(&parser_) - begin);
        }
        if (chunked_) {
            // Framing bytes are judged in order, up to and including the one llhttp
            // failed on, so a bad line end is named the same however reads are cut.
            const char* end = begin + used;
            if (err != HPE_OK && err != HPE_PAUSED) {
                const char* pos = llhttp_get_error_pos(&parser_);
                end = pos != nullptr && pos >= framing_cursor_ && pos < begin + rest.size() ? pos + 1 : framing_cursor_;
            }
            if (!scan_framing(end)) err = HPE_USER;
        }
        return {err, used};
    }

    bool scan_framing(const char* end) noexcept {
        if (const char* why = framing_.scan(framing_cursor_, end, limits_.max_chunk_line)) {
            if (why != detail::chunk_framing_check::too_long) rejected_ = client_error::bad_line_ending;
            else  // a chunk-size line, or a trailer field
                rejected_ = in_trailers_ ? client_error::headers_too_large : client_error::bad_chunk_size;
            return false;
        }
        framing_cursor_ = end;
        return true;
    }

    result fail(client_error e) noexcept {
        phase_ = phase::failed;
        error_ = e;
        reusable_ = false;
        return {response_event::error, 0};
    }
    // llhttp reports a callback's refusal under the callback's own code
    // (HPE_CB_HEADERS_COMPLETE, ...), so what it meant is kept here.
    int reject(client_error e) noexcept {
        rejected_ = e;
        return HPE_USER;
    }

    client_error error_for(llhttp_errno_t err) const noexcept {
        if (rejected_) return *rejected_;
        switch (err) {
        case HPE_UNEXPECTED_CONTENT_LENGTH:
            return std::string_view(llhttp_get_error_reason(&parser_)).find("Transfer-Encoding") !=
                           std::string_view::npos
                       ? client_error::content_length_with_transfer_encoding
                       : client_error::conflicting_content_length;
        case HPE_INVALID_CONTENT_LENGTH: return client_error::bad_content_length;
        case HPE_INVALID_CHUNK_SIZE: return client_error::bad_chunk_size;
        case HPE_INVALID_TRANSFER_ENCODING: return client_error::bad_transfer_encoding;
        case HPE_CR_EXPECTED:
        case HPE_LF_EXPECTED:
        case HPE_STRICT:
            // In a chunked body the framing check has seen the bytes up to this
            // one and found no lone CR or bare LF (that is bad_line_ending, set
            // above): another byte stands where the CRLF after a chunk's data
            // must be, which is bad chunk framing.
            if (headers_done_ && in_trailers_) return client_error::bad_header;
            break;
        default: break;
        }
        if (!status_done_) return client_error::bad_status_line;
        if (!headers_done_ || in_trailers_) return client_error::bad_header;
        return client_error::bad_chunk_size;  // only chunked framing can fail in a body
    }

    static int on_message_begin(llhttp_t* p) {
        auto& s = self(p);
        s.head_.clear();
        s.status_done_ = s.headers_done_ = s.in_field_ = s.in_trailers_ = s.interim_ = false;
        s.chunked_ = false;
        s.framing_.reset();
        s.header_count_ = s.trailer_bytes_ = 0;
        s.chunked_codings_ = 0;
        return 0;
    }

    static int on_status(llhttp_t* p, const char* at, std::size_t len) {
        self(p).head_.reason.append(at, len);  // bounded by max_status_line: scanned first
        return 0;
    }

    static int on_status_complete(llhttp_t* p) {
        self(p).status_done_ = true;
        return 0;
    }

    static int on_header_field(llhttp_t* p, const char* at, std::size_t len) {
        auto& s = self(p);
        s.status_done_ = true;
        if (!s.in_field_) {
            s.in_field_ = true;
            if (++s.header_count_ > s.limits_.max_header_count) return s.reject(client_error::too_many_headers);
            if (s.in_trailers_) s.trailer_bytes_ += 4;  // ": " and CRLF, which llhttp passes over
            s.head_.headers.begin_field();
        }
        if (int rc = s.count_trailer_bytes(len)) return rc;
        s.head_.headers.append_field({at, len});
        return 0;
    }

    static int on_header_field_complete(llhttp_t* p) {
        auto& s = self(p);
        // An empty name gets no on_header_field call; llhttp lets some non-token bytes through.
        if (!s.in_field_ || !detail::is_token(s.head_.headers.pending_name()))
            return s.reject(client_error::bad_header);
        s.in_field_ = false;
        s.head_.headers.begin_value();
        return 0;
    }

    static int on_header_value(llhttp_t* p, const char* at, std::size_t len) {
        auto& s = self(p);
        if (int rc = s.count_trailer_bytes(len)) return rc;
        if (!detail::is_field_value({at, len})) return s.reject(client_error::bad_header);  // RFC 9110 §5.5
        s.head_.headers.append_value({at, len});
        return 0;
    }

    static int on_header_value_complete(llhttp_t* p) {
        auto& s = self(p);
        // Trailers are checked and counted, then dropped: merging them into the head
        // after the caller has acted on it is where confusion lives (RFC 9110 §6.5.1).
        if (s.in_trailers_) {
            s.head_.headers.discard_pending();
            return 0;
        }
        auto [name, value] = s.head_.headers.end_value();
        // RFC 9112 §6.1: chunked is applied once; twice is a framing that some
        // reader between here and the server may decode differently.
        if (name == "transfer-encoding") {
            for (std::string_view list = value; !list.empty();) {
                const auto comma = list.find(',');
                if (detail::iequals(detail::trim_ows(list.substr(0, comma)), "chunked") && ++s.chunked_codings_ > 1)
                    return s.reject(client_error::bad_transfer_encoding);
                list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
            }
        }
        return 0;
    }

    // The head's bytes are counted by response_head_scan; a trailer section's here.
    int count_trailer_bytes(std::size_t len) noexcept {
        if (!in_trailers_) return 0;
        trailer_bytes_ += len;
        if (trailer_bytes_ > limits_.max_header_bytes) return reject(client_error::headers_too_large);
        return 0;
    }

    static int on_headers_complete(llhttp_t* p) { return self(p).finish_head(); }

    int finish_head() {
        status_done_ = headers_done_ = true;
        const int status = parser_.status_code;
        head_.status = status;
        head_.version_minor = parser_.http_minor;
        if (status / 100 == 1 && status != 101) {
            interim_ = true;  // 100 Continue, 103 Early Hints: skipped, the final response follows
            parser_.flags |= F_SKIPBODY;
            return 0;
        }
        if (status == 101) {
            if (!upgrade_expected_) return reject(client_error::unexpected_switching_protocols);
            tunnel_ = true;
        }
        if (method_ == method::connect && status / 100 == 2) tunnel_ = true;  // RFC 9110 §9.3.6
        // RFC 9112 §6.1: a 1.0 message's Transfer-Encoding cannot be trusted to frame it.
        if ((parser_.flags & F_TRANSFER_ENCODING) && parser_.http_minor == 0)
            return reject(client_error::bad_transfer_encoding);
        // RFC 9110 §6.4.1 and §9.3.2: no content whatever the framing headers say.
        if (method_ == method::head || status == 204 || status == 304 || tunnel_) parser_.flags |= F_SKIPBODY;
        const bool skip = (parser_.flags & F_SKIPBODY) != 0;
        chunked_ = !skip && (parser_.flags & F_CHUNKED) != 0;
        head_.chunked = chunked_;
        if (!skip && !chunked_ && (parser_.flags & F_CONTENT_LENGTH)) {
            head_.content_length = parser_.content_length;
            if (parser_.content_length > max_body_) return reject(client_error::body_too_large);
        }
        head_.keep_alive = !tunnel_ && llhttp_should_keep_alive(&parser_) != 0;
        pause_ = pause::head;
        return HPE_PAUSED;
    }

    // A chunk that announces more than max_body allows is refused before its data
    // arrives; the last chunk (size 0) begins the trailer section.
    static int on_chunk_header(llhttp_t* p) {
        auto& s = self(p);
        if (p->content_length == 0) s.in_trailers_ = true;
        if (p->content_length > s.max_body_ - s.body_bytes_) return s.reject(client_error::body_too_large);
        return 0;
    }

    static int on_body(llhttp_t* p, const char* at, std::size_t len) {
        auto& s = self(p);
        // llhttp flushes a span that began at the end of the bytes it was given
        // as an empty piece: no event, or an empty feed would report it forever.
        if (len == 0) return 0;
        if (len > s.max_body_ - s.body_bytes_) return s.reject(client_error::body_too_large);
        if (s.chunked_) {
            if (!s.scan_framing(at)) return HPE_USER;
            s.framing_cursor_ = at + len;
        }
        s.body_bytes_ += len;
        s.body_ = {at, len};
        s.pause_ = pause::body;
        return HPE_PAUSED;
    }

    static int on_message_complete(llhttp_t* p) {
        auto& s = self(p);
        s.pause_ = s.interim_ ? pause::interim : pause::complete;
        return HPE_PAUSED;
    }

    client_limits limits_;
    llhttp_settings_t settings_{};
    llhttp_t parser_{};
    detail::response_head_scan scan_;
    detail::chunk_framing_check framing_;
    response_head head_;
    std::string_view body_;
    const char* framing_cursor_ = nullptr;  // first chunked-framing byte not yet checked
    std::uint64_t max_body_ = 0;
    std::uint64_t body_bytes_ = 0;
    std::size_t header_count_ = 0, trailer_bytes_ = 0;
    int chunked_codings_ = 0;  // "chunked" in the Transfer-Encoding fields so far
    std::error_code error_;
    std::optional<client_error> rejected_;  // what a callback's refusal meant
    method method_ = method::get;
    phase phase_ = phase::idle;
    pause pause_ = pause::none;
    bool upgrade_expected_ = false, tunnel_ = false, reusable_ = false, seen_bytes_ = false, paused_ = false;
    bool status_done_ = false, headers_done_ = false, in_field_ = false, in_trailers_ = false, interim_ = false;
    bool chunked_ = false;
};

}  // namespace ringkit
