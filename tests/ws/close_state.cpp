#include "ringkit/ws/close_state.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

using namespace ringkit::ws;

namespace close_state_test {

enum class ev { queued, written, peer, fail, lost, abort };

struct step_result {
    bool must_queue_close = false;
};

step_result apply(close_machine& m, ev e) {
    switch (e) {
    case ev::queued: m.close_queued(4000, "ours"); break;
    case ev::written: m.close_written(); break;
    case ev::peer: return {m.peer_closed(4001, "theirs")};
    case ev::fail: return {m.fail(1002, "bad frame")};
    case ev::lost: m.lost("reset"); break;
    case ev::abort: m.abort("timeout"); break;
    }
    return {};
}

const char* name(ev e) {
    const char* names[] = {"queued", "written", "peer", "fail", "lost", "abort"};
    return names[static_cast<int>(e)];
}

// A session queues our close frame when the machine asks for it (an echo or a
// failure's close), and the writer reports it as queued, then written: the
// events a real session produces come in that order.
close_machine run(const std::vector<ev>& events) {
    close_machine m;
    for (auto e : events) apply(m, e);
    return m;
}

TEST_CASE("the four ways a close handshake completes") {
    SUBCASE("we close first, the peer answers") {
        auto m = run({ev::queued, ev::written, ev::peer});
        CHECK(m.state() == close_state::done);
        CHECK(m.outcome().code == 4000);
        CHECK(m.outcome().reason == "ours");
        CHECK(m.outcome().by_server);
    }
    SUBCASE("the peer closes first, we echo") {
        close_machine m;
        CHECK(m.peer_closed(4001, "theirs"));  // the session must queue the echo
        CHECK(m.state() == close_state::finishing);
        CHECK_FALSE(m.reading());
        m.close_queued(4001, "");  // the echo, taken by the writer: no new outcome
        m.close_written();
        CHECK(m.state() == close_state::done);
        CHECK(m.outcome().code == 4001);
        CHECK(m.outcome().reason == "theirs");
        CHECK_FALSE(m.outcome().by_server);
    }
    SUBCASE("both close at once: ours queued when theirs arrives") {
        close_machine m;
        m.close_queued(4000, "ours");
        CHECK_FALSE(m.peer_closed(4001, "theirs"));  // ours is the answer
        CHECK(m.state() == close_state::finishing);
        m.close_written();
        CHECK(m.state() == close_state::done);
        CHECK(m.outcome().code == 4000);
        CHECK(m.outcome().by_server);
    }
    SUBCASE("we fail the connection") {
        close_machine m;
        CHECK(m.fail(1002, "bad frame"));
        CHECK_FALSE(m.reading());
        CHECK_FALSE(m.delivering());
        m.close_queued(1002, "bad frame");
        m.close_written();
        CHECK(m.state() == close_state::done);
        CHECK(m.outcome().code == 1002);
        CHECK(m.outcome().by_server);
    }
}

TEST_CASE("reading and delivering follow the state") {
    close_machine m;
    CHECK(m.reading());
    CHECK(m.delivering());
    m.close_queued(1000, "");
    CHECK(m.reading());  // the peer's close is still to come
    CHECK_FALSE(m.delivering());
    m.close_written();
    CHECK(m.reading());
    CHECK_FALSE(m.ended());
    CHECK(m.writable());
    m.abort("the peer did not answer our close frame");
    CHECK(m.ended());
    CHECK_FALSE(m.writable());
    CHECK(m.outcome().code == 1000);  // our close already said how it ends
}

TEST_CASE("a lost connection or a timeout before any close frame is 1006") {
    close_machine lost;
    CHECK(lost.lost("reset"));
    CHECK(lost.state() == close_state::aborted);
    CHECK(lost.outcome().code == close_code::abnormal);
    CHECK_FALSE(lost.outcome().by_server);
    close_machine timed_out;
    timed_out.abort("write timeout");
    CHECK(timed_out.outcome().code == close_code::abnormal);
    CHECK(timed_out.outcome().reason == "write timeout");
    CHECK(timed_out.outcome().by_server);
    close_machine closing;
    closing.close_queued(1001, "going away");
    CHECK_FALSE(closing.lost("reset"));  // our close frame already decided it
    CHECK(closing.outcome().code == 1001);
    CHECK(close_machine().outcome().reason == "connection ended");
}

TEST_CASE("cause(): what settled the outcome, for the server's metrics") {
    close_machine lost, timed_out, stopped, closing;
    (void)lost.lost("reset");
    timed_out.abort("write timeout");
    stopped.abort("server stopped", close_cause::stopped);
    closing.close_queued(1000, {});
    closing.abort("the peer did not answer our close frame");  // settled already by our close
    CHECK(lost.cause() == close_cause::lost);
    CHECK(timed_out.cause() == close_cause::timeout);
    CHECK(stopped.cause() == close_cause::stopped);
    CHECK(closing.cause() == close_cause::close_frame);
    CHECK(close_machine().cause() == close_cause::lost);  // nothing settled it: as outcome()'s 1006
}

TEST_CASE("every ordering of close, failure and timeout keeps the machine's promises") {
    const std::vector<ev> all{ev::queued, ev::written, ev::peer, ev::fail, ev::lost, ev::abort};
    std::vector<ev> seq;
    int checked = 0;
    std::function<void(close_machine, int)> explore = [&](close_machine m, int depth) {
        if (depth == 0) return;
        for (auto e : all) {
            close_machine next = m;
            const auto before = next.state();
            const bool had_outcome = before != close_state::open;
            const auto old_outcome = next.outcome();
            auto r = apply(next, e);
            seq.push_back(e);
            std::string path;
            for (auto s : seq) path += std::string(name(s)) + " ";
            CAPTURE(path);
            ++checked;
            // An ended machine stays as it is.
            if (before == close_state::done || before == close_state::aborted) {
                CHECK(next.state() == before);
                CHECK(next.outcome().code == old_outcome.code);
            }
            // Once anything but `open`, the outcome is settled for good.
            if (had_outcome) {
                CHECK(next.outcome().code == old_outcome.code);
                CHECK(next.outcome().reason == old_outcome.reason);
                CHECK(next.outcome().by_server == old_outcome.by_server);
            }
            // Our close is asked for only from `open`, and exactly once.
            if (r.must_queue_close) CHECK(before == close_state::open);
            if ((e == ev::peer || e == ev::fail) && before == close_state::open) CHECK(r.must_queue_close);
            // Reading stops for good once it stops.
            if (!m.reading()) CHECK_FALSE(next.reading());
            if (!m.delivering()) CHECK_FALSE(next.delivering());
            // `done` needs our close written and (the peer's close or a failure).
            if (next.state() == close_state::done && before != close_state::done)
                CHECK((e == ev::written || e == ev::peer || e == ev::fail));
            CHECK(next.writable() == (next.state() != close_state::aborted));
            explore(next, depth - 1);
            seq.pop_back();
        }
    };
    explore(close_machine{}, 5);
    CHECK(checked == 6 + 36 + 216 + 1296 + 7776);
}

}  // namespace close_state_test
