// The bodies a client request carries and the form encoding of fields and query
// parameters.
#include "ringkit/client/request.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

namespace client_request_tests {

// A stand-in for nlohmann::json: anything with dump().
struct fake_json {
    std::string dump() const { return R"({"a":1})"; }
};

TEST_SUITE("client/request") {

TEST_CASE("form encoding keeps unreserved bytes, writes space as '+' and escapes the rest") {
    CHECK(ringkit::detail::form_encode({{"a", "1"}, {"b c", "x y"}}) == "a=1&b+c=x+y");
    CHECK(ringkit::detail::form_encode({{"q", "a&b=c/d?e#f%g+h"}}) == "q=a%26b%3Dc%2Fd%3Fe%23f%25g%2Bh");
    CHECK(ringkit::detail::form_encode({{"k", "-._*~"}}) == "k=-._*%7E");
    CHECK(ringkit::detail::form_encode({{"u", "\xc3\xa9"}}) == "u=%C3%A9");
    CHECK(ringkit::detail::form_encode({{"a", ""}, {"a", "2"}}) == "a=&a=2");  // repeats kept, in order
    CHECK(ringkit::detail::form_encode({}).empty());
}

TEST_CASE("each body says what it is") {
    auto f = ringkit::request_body::form({{"name", "Ada Lovelace"}});
    CHECK(f.data == "name=Ada+Lovelace");
    CHECK(f.content_type == "application/x-www-form-urlencoded");
    auto j = ringkit::request_body::json(fake_json{});
    CHECK(j.data == R"({"a":1})");
    CHECK(j.content_type == "application/json");
    CHECK(ringkit::request_body::json("[1,2]").data == "[1,2]");
    CHECK(ringkit::request_body::bytes("\x01\x02").content_type == "application/octet-stream");
    CHECK(ringkit::request_body::text("hi").content_type == "text/plain; charset=utf-8");
}

TEST_CASE("a multipart body: each part with its disposition, one boundary none of them contains") {
    auto m = ringkit::request_body::multipart(
        {{.name = "title", .data = "Hello"},
         {.name = "file", .data = "a,b\r\n", .filename = "my \"data\".csv", .content_type = "text/csv"}});
    const std::string prefix = "multipart/form-data; boundary=";
    REQUIRE(m.content_type.starts_with(prefix));
    const std::string b = m.content_type.substr(prefix.size());
    CHECK(b.size() == 40);
    CHECK(m.data == "--" + b + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello\r\n--" + b +
                        "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"my %22data%22.csv\"\r\n"
                        "Content-Type: text/csv\r\n\r\na,b\r\n\r\n--" +
                        b + "--\r\n");
    CHECK(ringkit::request_body::multipart({}).content_type != m.content_type);  // drawn afresh
    CHECK_THROWS_AS(ringkit::request_body::multipart({{.name = "f", .data = "", .content_type = "a\r\nX: y"}}),
                    std::invalid_argument);
}

TEST_CASE("a request is built with designated initializers") {
    ringkit::client_request r{.method = ringkit::method::post,
                              .url = "http://example.com/",
                              .headers = {{"Accept", "text/plain"}},
                              .query = {{"q", "1"}},
                              .body = ringkit::request_body::text("x")};
    CHECK(r.method == ringkit::method::post);
    CHECK(r.headers.get("accept") == "text/plain");
    CHECK(r.body->data == "x");
    CHECK_FALSE(r.auth);
}
}

}  // namespace client_request_tests
