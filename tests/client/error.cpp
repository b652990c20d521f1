#include "ringkit/client/error.hpp"

#include <doctest/doctest.h>

#include <ostream>
#include <set>
#include <string>
#include <system_error>

using ringkit::client_error;

TEST_CASE("client errors are error codes of the ringkit.client category") {
    const std::error_code ec = client_error::bad_status_line;
    CHECK(ec);
    CHECK(std::string(ec.category().name()) == "ringkit.client");
    CHECK(&ec.category() == &ringkit::client_category());
    CHECK(ec == client_error::bad_status_line);
    CHECK(ec != client_error::bad_header);
    CHECK(ec.message() == "response has an invalid status line");
}

TEST_CASE("every client error has a message of its own") {
    std::set<std::string> seen;
    const int last = static_cast<int>(client_error::decompression_unavailable);
    for (int e = 1; e <= last; ++e) {
        const auto message = make_error_code(static_cast<client_error>(e)).message();
        CHECK(message != "unknown client error");
        CHECK(seen.insert(message).second);
    }
    CHECK(seen.size() == 24);
    CHECK(make_error_code(static_cast<client_error>(last + 1)).message() == "unknown client error");
}

TEST_CASE("the faults issue 17 names each have a code") {
    for (auto e : {client_error::content_length_with_transfer_encoding, client_error::conflicting_content_length,
                   client_error::bad_chunk_size, client_error::bad_line_ending, client_error::status_line_too_long,
                   client_error::headers_too_large, client_error::too_many_headers, client_error::body_too_large,
                   client_error::closed_early, client_error::unexpected_switching_protocols,
                   client_error::bad_status_line, client_error::bad_header, client_error::too_many_redirects,
                   client_error::connect_timeout, client_error::read_timeout, client_error::total_timeout,
                   client_error::tls_verification_failed, client_error::bad_url, client_error::unsupported_scheme}) {
        const std::error_code ec = e;
        CHECK(ec.category() == ringkit::client_category());
        CHECK(ec.value() == static_cast<int>(e));
    }
}
