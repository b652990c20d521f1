// The live connections of one I/O thread, so stop() can reach each of them
// without a lock, and a connection's registration in that list and in the
// server's count.
//
// A registration moves with the job of serving the socket: an HTTP connection
// that upgrades to a callback-style WebSocket hands it to the WebSocket
// session and ends, so the session answers stop() and counts as a connection.
// Here in core/ rather than server/ because that session (ws/session.hpp) is
// one of these, and it serves the WebSocket client too, outside any server.
#pragma once

#include <cstddef>
#include <utility>

namespace ringkit::detail {

/// The part of a connection the server drives from outside: an intrusive list
/// node per thread.
class connection_base {
public:
    virtual void request_stop() = 0;  ///< finish the current request, then close
    virtual void force_close() = 0;   ///< close now
    connection_base* prev = nullptr;
    connection_base* next = nullptr;

protected:
    ~connection_base() = default;
};

class connection_list {
public:
    void add(connection_base* c) noexcept {
        c->next = head_;
        if (head_) head_->prev = c;
        head_ = c;
        ++size_;
    }
    void remove(connection_base* c) noexcept {
        if (c->prev) c->prev->next = c->next;
        else head_ = c->next;
        if (c->next) c->next->prev = c->prev;
        c->prev = c->next = nullptr;
        --size_;
    }
    template <class F>
    void for_each(F f) {
        for (auto* c = head_; c;) {
            auto* next = c->next;  // f may end the connection
            f(*c);
            c = next;
        }
    }
    std::size_t size() const noexcept { return size_; }

private:
    connection_base* head_ = nullptr;
    std::size_t size_ = 0;
};

/// A connection's place in its thread's list; on destruction it leaves the
/// list and tells the server (`ended`). Empty when default-constructed (tests
/// drive connections without a server).
class registration {
public:
    using ended_fn = void (*)(void*) noexcept;

    registration() = default;
    registration(connection_list& list, connection_base& c, ended_fn ended, void* context) noexcept
        : list_(&list), conn_(&c), ended_(ended), context_(context) {
        list.add(&c);
    }
    registration(const registration&) = delete;
    registration& operator=(const registration&) = delete;
    registration(registration&& o) noexcept
        : list_(std::exchange(o.list_, nullptr)), conn_(o.conn_), ended_(o.ended_), context_(o.context_) {}
    registration& operator=(registration&& o) noexcept {
        std::swap(list_, o.list_);
        std::swap(conn_, o.conn_);
        std::swap(ended_, o.ended_);
        std::swap(context_, o.context_);
        return *this;
    }
    ~registration() {
        if (!list_) return;
        list_->remove(conn_);
        ended_(context_);
    }

    /// `c` serves the socket from now on.
    void move_to(connection_base& c) noexcept {
        if (!list_) return;
        list_->remove(conn_);
        conn_ = &c;
        list_->add(&c);
    }

private:
    connection_list* list_ = nullptr;
    connection_base* conn_ = nullptr;
    ended_fn ended_ = nullptr;
    void* context_ = nullptr;
};

}  // namespace ringkit::detail
