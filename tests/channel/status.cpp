#include "ringkit/channel/status.hpp"

#include <doctest/doctest.h>

#include <ostream>  // doctest prints std::error_code
#include <system_error>
#include <type_traits>

using namespace ringkit;

TEST_CASE("close status names follow HTTP-Kit") {
    close_status st{.code = 1006, .reason = "", .by_server = false};
    CHECK(st.name() == "abnormal");
    st.websocket = false;
    CHECK(st.name() == "client-close");
    st.by_server = true;
    CHECK(st.name() == "server-close");
    st = {.code = 1009, .reason = "", .by_server = false};
    CHECK(st.name() == "message-too-big");
}

TEST_CASE("send_status: true iff queued; as an error_code for completions") {
    CHECK(static_cast<bool>(send_status(send_status::queued)));
    CHECK_FALSE(static_cast<bool>(send_status(send_status::backpressured)));
    CHECK_FALSE(static_cast<bool>(send_status(send_status::closed)));
    CHECK_FALSE(send_status(send_status::queued).error());
    CHECK(send_status(send_status::backpressured).error() == ws::error::backpressured);
    CHECK(send_status(send_status::closed).error() == ws::error::closed);
}

TEST_CASE("send_status compares with its values, and is never silently a number") {
    send_status st = send_status::closed;
    CHECK(st == send_status::closed);
    CHECK(st != send_status::queued);
    CHECK(send_status::backpressured != st);
    CHECK(st.get() == send_status::closed);
    static_assert(!std::is_convertible_v<send_status, bool>);  // `if (st)` yes, `int n = st` no
    static_assert(!std::is_convertible_v<send_status, int>);
}
