// The response writer: every answer a connection sends goes out through here,
// an ordinary response, a streamed body and an HTTP channel's sends alike
// (server/handover.hpp). A response is a head (start_response), body bytes
// (append_body, write_body: a chunk when the head said chunked, chunk framing
// being http/chunked.hpp's) and an end (end_response); stays_open() is the
// keep-alive decision. respond() is the whole of it for a response value.
//
// It is a part of connection<Stream> (server/connection.hpp), kept apart because
// it is a concept of its own: it writes into the connection's output buffer
// (out_, corked for a pipelined batch) through its write primitives and deadlines.
#pragma once

#include <sys/sendfile.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

#include "ringkit/core/asio.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/http/chunked.hpp"
#include "ringkit/http/method.hpp"
#include "ringkit/http/response.hpp"
#include "ringkit/http/serializer.hpp"
#include "ringkit/metrics/server_metrics.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang): what this
// header uses of Asio beyond the coroutine basics core/asio.hpp provides.
#include <asio/buffer.hpp>

namespace ringkit {

template <class Stream>
class connection;

namespace detail {

/// How respond() ended: the write failed, or the answer is out and the
/// connection then closes or stays open.
enum class answered : std::uint8_t { failed, then_close, keep_alive };

template <class Stream>
class response_writer {
    using owner = connection<Stream>;

public:
    /// Responses for a pipelined batch are gathered up to this size before a write.
    static constexpr std::size_t cork_limit = 16UL * 1024;

    explicit response_writer(owner& c) noexcept : c_(c) {}
    response_writer(const response_writer&) = delete;
    response_writer& operator=(const response_writer&) = delete;
    response_writer(response_writer&&) = delete;
    response_writer& operator=(response_writer&&) = delete;
    ~response_writer() = default;

    // Sends the answer to the connection's request. A small body joins the head in
    // the output buffer, to leave with the rest of a pipelined batch; only larger,
    // file and streamed bodies need to wait for the socket here.
    task<answered> respond(response res) {
        make_sendable(res, "handler returned an invalid response");
        auto head = start_response(res);
        if (head.send_body) {
            if (auto* s = std::get_if<std::string>(&res.body)) {
                if (!append_body(head, *s)) {
                    const bool ok = co_await write_body(head, *s);  // a statement: GCC 12 (see session)
                    if (!ok) co_return answered::failed;
                }
            } else if (auto* f = std::get_if<file_body>(&res.body)) {
                if (!co_await c_.flush() || !co_await send_file(*f)) co_return answered::failed;
            } else if (auto* st = std::get_if<stream_body>(&res.body)) {
                if (!co_await c_.flush() || !co_await send_stream(*st, head)) co_return answered::failed;
            }
        }
        const bool keep_alive = stays_open(head);
        if ((!keep_alive || c_.out_.size() >= cork_limit) && !c_.flushed_now() && !co_await c_.finish_flush())
            co_return answered::failed;
        co_return keep_alive ? answered::keep_alive : answered::then_close;
    }

    // A response that cannot go on the wire as it is (response_is_valid) becomes a
    // 500, and the log says `why`. False when it was replaced.
    bool make_sendable(response& res, std::string_view why) const {
        if (response_is_valid(res)) return true;
        c_.req_.log(std::string(why) + " (status or header bytes); sent 500");
        res = response::text("Internal Server Error", 500);
        return false;
    }

    // What the head of the answer to the request depends on; the first half of the
    // keep-alive decision (the request's), stays_open() is the second.
    response_context context() const noexcept {
        return {.head = c_.req_.request_method == method::head,
                .http10 = c_.parser_->http10(),
                .keep_alive = c_.parser_->keep_alive() && !c_.stopping_,
                .server_header = c_.config_.server_header};
    }

    // The head of the answer to the request, into the output buffer; says how its body follows.
    head_info start_response(const response& res) {
        if (const auto* m = c_.config_.metrics) c_.started_ = m->answered(c_.req_, res.status, c_.started_);
        return write_head(c_.out_, res, context());
    }

    // Whether the connection carries another request after the response whose
    // head was `head`, once its body is out: what the request and the response
    // said, unless the server began to stop meanwhile.
    bool stays_open(const head_info& head) const noexcept { return head.keep_alive && !c_.stopping_; }

    // Body bytes framed as `head` says (a chunk when chunked), appended to the
    // output buffer when that stays under cork_limit. False when they did not fit.
    bool append_body(const head_info& head, std::string_view bytes) {
        if (!head.send_body || bytes.empty()) return true;  // an empty chunk would end the body
        if (head.framing != body_framing::chunked) {
            if (c_.out_.size() + bytes.size() > cork_limit) return false;
            c_.out_.append(bytes);
            return true;
        }
        if (c_.out_.size() + bytes.size() + chunk_frame::max_overhead > cork_limit) return false;
        append_chunk(c_.out_, bytes);
        return true;
    }

    // Body bytes framed as `head` says, and everything before them in the output
    // buffer, on the wire. Large ones go as a buffer of their own, without a copy.
    task<bool> write_body(const head_info& head, std::string_view bytes) {
        if (append_body(head, bytes)) co_return co_await c_.flush();
        bool ok = false;
        if (head.framing == body_framing::chunked) {
            chunk_frame frame(bytes.size());
            std::array<asio::const_buffer, 4> buffers{asio::buffer(c_.out_), asio::buffer(frame.head()),
                                                      asio::buffer(bytes), asio::buffer(chunk_frame::tail())};
            ok = co_await c_.write(buffers);
        } else {
            std::array<asio::const_buffer, 2> buffers{asio::buffer(c_.out_), asio::buffer(bytes)};
            ok = co_await c_.write(buffers);
        }
        c_.out_.clear();
        co_return ok;
    }

    // What ends the body after `head`: the last chunk, when chunked.
    void end_response(const head_info& head) {
        if (head.send_body && head.framing == body_framing::chunked) c_.out_.append(last_chunk);
    }

private:
    task<bool> send_file(const file_body& f) {
        auto offset = static_cast<off_t>(f.offset);
        std::uint64_t left = f.length;
        if constexpr (requires {
                          c_.stream_.native_handle();
                          c_.stream_.async_wait(Stream::wait_write);
                      }) {
            while (left > 0) {  // the socket is non-blocking (see the constructor)
                auto n = ::sendfile(c_.stream_.native_handle(), *f.fd, &offset, std::min<std::uint64_t>(left, 1 << 20));
                if (n > 0) {
                    left -= c_.count_sent(static_cast<std::size_t>(n));
                } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                    c_.set_deadline(std::chrono::steady_clock::now() + c_.config_.write_timeout,
                                    metrics::timeout_phase::write);
                    auto [ec] = co_await c_.stream_.async_wait(Stream::wait_write, use_tuple);
                    if (ec) co_return false;
                } else {
                    co_return false;  // error, or the file shrank under us: the length is a lie now
                }
            }
        } else {
            std::string chunk(64UL * 1024, '\0');
            while (left > 0) {
                auto n = ::pread(*f.fd, chunk.data(), std::min<std::uint64_t>(left, chunk.size()), offset);
                if (n <= 0) co_return false;
                offset += n;
                left -= static_cast<std::uint64_t>(n);
                if (!co_await c_.write(asio::buffer(chunk.data(), static_cast<std::size_t>(n)))) co_return false;
            }
        }
        co_return true;
    }

    // A stream_body's writes, each a chunk (or raw bytes for HTTP/1.0) through the writer.
    class chunk_writer final : public body_writer {
    public:
        chunk_writer(response_writer& w, const head_info& head) : w_(w), head_(head) {}
        task<void> write(std::string_view bytes) override {
            if (failed_) throw client_gone();
            if (bytes.empty()) co_return;
            const bool ok = co_await w_.write_body(head_, bytes);  // a statement: GCC 12 (see session)
            if (!ok) {
                failed_ = true;
                throw client_gone();
            }
        }
        /// A write failed: the body is cut short, even if the producer caught the error.
        bool failed() const noexcept { return failed_; }

    private:
        static std::system_error client_gone() {
            return std::system_error(std::make_error_code(std::errc::connection_aborted), "client gone");
        }
        response_writer& w_;
        const head_info& head_;
        bool failed_ = false;
    };

    task<bool> send_stream(const stream_body& body, const head_info& head) {
        chunk_writer writer(*this, head);
        std::exception_ptr error;
        try {
            co_await body.produce(writer);
        } catch (...) {
            error = std::current_exception();
        }
        if (error) {
            // The head is out: the only honest signal left is an unterminated body.
            if (!c_.closed_ && !writer.failed()) c_.req_.log("stream body threw; connection closed", error);
            co_return false;
        }
        if (writer.failed()) co_return false;  // the producer swallowed the error; the connection is done
        end_response(head);
        co_return true;
    }

    owner& c_;
};

}  // namespace detail
}  // namespace ringkit
