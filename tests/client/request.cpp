// The bodies a client request carries and the form encoding of fields and query
// parameters.
#include "ringkit/client/request.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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

TEST_CASE("a body from a file: one piece, its size taken when built; a missing file throws then") {
    char dir[] = "/tmp/ringkit-client-request-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    const std::filesystem::path path = std::filesystem::path(dir) / "a.bin";
    std::ofstream(path, std::ios::binary) << std::string(1234, 'q');
    auto b = ringkit::request_body::file(path);
    CHECK(b.content_type == "application/octet-stream");
    CHECK(b.data.empty());
    REQUIRE(b.pieces.size() == 1);
    REQUIRE(b.pieces[0].file);
    CHECK(b.pieces[0].file->file == path);
    CHECK(b.size() == 1234);
    CHECK(ringkit::request_body::file(path, "text/csv").content_type == "text/csv");
    CHECK_THROWS_AS(ringkit::request_body::file(path.parent_path() / "none"), std::filesystem::filesystem_error);

    // Multipart with a file part: the parts' text as pieces around the file,
    // the file's name as filename unless one is given.
    auto m = ringkit::request_body::multipart(
        {{.name = "a", .data = "1"}, {.name = "f", .data = "ignored", .path = path}, {.name = "b", .data = "2"}});
    const auto boundary = m.content_type.substr(m.content_type.find('=') + 1);
    CHECK(m.data.empty());
    REQUIRE(m.pieces.size() == 3);
    CHECK_FALSE(m.pieces[0].file);
    CHECK(m.pieces[0].bytes == "--" + boundary + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--" +
                                   boundary +
                                   "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n\r\n");
    CHECK(m.pieces[1].file->size == 1234);
    CHECK(m.pieces[2].bytes ==
          "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n--" + boundary + "--\r\n");
    CHECK(m.size() == m.pieces[0].bytes.size() + 1234 + m.pieces[2].bytes.size());
    auto named = ringkit::request_body::multipart({{.name = "f", .data = {}, .filename = "x.txt", .path = path}});
    CHECK(named.pieces[0].bytes.find("filename=\"x.txt\"") != std::string::npos);
    std::filesystem::remove_all(dir);
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
