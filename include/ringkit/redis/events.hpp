// hiredis on an Asio executor. hiredis parses the protocol and keeps its own
// buffers; it asks its event library, through five hooks, to tell it when its
// socket is readable or writable. Here those hooks become async_wait()s on an
// asio::posix::stream_descriptor, so a Redis connection is driven by the same
// io_context as the server's sockets, on the same thread, and never blocks it.
#pragma once

#include <hiredis/async.h>

#include <memory>

#include "ringkit/core/asio.hpp"

#include <asio/posix/stream_descriptor.hpp>

namespace ringkit::redis::detail {

/// The event state of one redisAsyncContext. Every hook and every wait's
/// completion runs on the executor's thread, the only thread that calls hiredis
/// for that context. A wait in flight holds the state alive; hiredis's cleanup
/// hook (when it frees the context) detaches it, after which no completion
/// touches the context again.
class asio_events : public std::enable_shared_from_this<asio_events> {
public:
    asio_events(const asio::any_io_executor& ex, redisAsyncContext* ac) : fd_(ex, ac->c.fd), ac_(ac) {}

    /// Installs the hooks; the context keeps a shared reference until cleanup.
    static void attach(const asio::any_io_executor& ex, redisAsyncContext* ac) {
        auto* self = new std::shared_ptr<asio_events>(std::make_shared<asio_events>(ex, ac));
        ac->ev.data = self;
        ac->ev.addRead = [](void* p) { (*static_cast<std::shared_ptr<asio_events>*>(p))->want(read_, true); };
        ac->ev.delRead = [](void* p) { (*static_cast<std::shared_ptr<asio_events>*>(p))->want(read_, false); };
        ac->ev.addWrite = [](void* p) { (*static_cast<std::shared_ptr<asio_events>*>(p))->want(write_, true); };
        ac->ev.delWrite = [](void* p) { (*static_cast<std::shared_ptr<asio_events>*>(p))->want(write_, false); };
        ac->ev.cleanup = [](void* p) {
            auto* held = static_cast<std::shared_ptr<asio_events>*>(p);
            (*held)->detach();
            delete held;
        };
    }

private:
    struct direction {
        bool wanted = false;
        bool waiting = false;
    };
    static constexpr int read_ = 0;
    static constexpr int write_ = 1;

    void want(int d, bool on) {
        dir_[d].wanted = on;
        if (on && !dir_[d].waiting) wait(d);
    }

    void wait(int d) {
        dir_[d].waiting = true;
        fd_.async_wait(d == read_ ? asio::posix::stream_descriptor::wait_read
                                  : asio::posix::stream_descriptor::wait_write,
                       [self = shared_from_this(), d](std::error_code ec) {
                           self->dir_[d].waiting = false;
                           if (ec || self->ac_ == nullptr || !self->dir_[d].wanted) return;
                           // hiredis may free the context in here (an I/O error, a
                           // disconnect): cleanup then clears ac_ before we look again.
                           if (d == read_)
                               redisAsyncHandleRead(self->ac_);
                           else
                               redisAsyncHandleWrite(self->ac_);
                           if (self->ac_ != nullptr && self->dir_[d].wanted && !self->dir_[d].waiting) self->wait(d);
                       });
    }

    void detach() {
        ac_ = nullptr;
        dir_[read_].wanted = dir_[write_].wanted = false;
        // hiredis owns and closes the socket; release() cancels our waits without closing it.
        (void)fd_.release();
    }

    asio::posix::stream_descriptor fd_;
    redisAsyncContext* ac_;
    direction dir_[2];
};

}  // namespace ringkit::redis::detail
