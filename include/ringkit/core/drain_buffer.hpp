// drain_buffer: a receive buffer that tells Asio's reactor when a read emptied the
// socket, so the next asynchronous read waits for the socket instead of trying it.
//
// Asio 1.22's epoll reactor tries every asynchronous receive once before it waits
// (a "speculative" read), and stops trying only after a read of 0 bytes. A server
// that answers a request or echoes a message and reads again therefore pays one
// recv per message that finds nothing (EAGAIN): on loopback about a seventh of an
// HTTP server's CPU (benchmarks/README.md, "Where ringkit's time goes"). nginx
// marks the socket not ready after a short read instead, and waits for the next
// edge-triggered event; uSockets reads once per event.
//
// Reading into a drain_buffer (async_read_some, async_receive) selects the
// specialization below of Asio's receive operation: Asio's own do_perform, with
// one condition added: a read on a stream socket that filled less than the buffer
// reports done_and_exhausted, as a read of 0 bytes does. The reactor then skips
// the next speculative read until an epoll event for the socket turns it back on.
// Safe for the reason nginx's flag is: a short TCP read took everything queued,
// any later byte raises a new edge, and the reactor sets the flag back under the
// same lock on that edge, whoever reads in between (a synchronous read_some or
// OpenSSL's own recv only costs the try it would have cost anyway).
//
// Only with the Asio whose operation this copies (1.22, Debian 12's) and a
// reactor backend; elsewhere a drain_buffer is an ordinary buffer.
#pragma once

#include <cstddef>

#include "ringkit/core/asio.hpp"

// After core/asio.hpp, which configures Asio.
#include <asio/buffer.hpp>
#include <asio/version.hpp>

namespace ringkit::detail {

/// One buffer to receive into, whose short read marks the socket drained (see above).
struct drain_buffer : asio::mutable_buffer {
    drain_buffer(void* data, std::size_t size) noexcept : asio::mutable_buffer(data, size) {}
    explicit drain_buffer(asio::mutable_buffer b) noexcept : asio::mutable_buffer(b) {}
};

}  // namespace ringkit::detail

#if ASIO_VERSION / 100 == 1022 && !defined(ASIO_HAS_IOCP)
#include <asio/socket_base.hpp>  // reactive_socket_recv_op.hpp uses it without including it
#include <asio/detail/reactive_socket_recv_op.hpp>

namespace asio::detail {

template <>
class reactive_socket_recv_op_base<ringkit::detail::drain_buffer> : public reactor_op {
public:
    reactive_socket_recv_op_base(const asio::error_code& success_ec, socket_type socket,
                                 socket_ops::state_type state, const ringkit::detail::drain_buffer& buffer,
                                 socket_base::message_flags flags, func_type complete_func)
        : reactor_op(success_ec, &reactive_socket_recv_op_base::do_perform, complete_func),
          socket_(socket),
          state_(state),
          buffer_(buffer),
          flags_(flags) {}

    static status do_perform(reactor_op* base) {
        auto* o = static_cast<reactive_socket_recv_op_base*>(base);
        const bool stream = (o->state_ & socket_ops::stream_oriented) != 0;
        if (!socket_ops::non_blocking_recv1(o->socket_, o->buffer_.data(), o->buffer_.size(), o->flags_, stream,
                                            o->ec_, o->bytes_transferred_))
            return not_done;
        if (stream && (o->bytes_transferred_ == 0 || (!o->ec_ && o->bytes_transferred_ < o->buffer_.size())))
            return done_and_exhausted;
        return done;
    }

private:
    socket_type socket_;
    socket_ops::state_type state_;
    ringkit::detail::drain_buffer buffer_;
    socket_base::message_flags flags_;
};

}  // namespace asio::detail
#endif
