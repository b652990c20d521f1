#include "ringkit/middleware/multipart.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "ringkit/http/parser.hpp"
#include "support/run_handler.hpp"

namespace rk = ringkit;

using rk::test::make_request;
using rk::test::run_handler;

namespace {

constexpr std::string_view boundary = "----rkBoundary7MA4YWxk";

struct part {
    std::string headers;  // e.g. "Content-Disposition: form-data; name=\"a\"\r\n"
    std::string data;
};

part field(std::string name, std::string data) {
    return {"Content-Disposition: form-data; name=\"" + name + "\"\r\n", std::move(data)};
}

part upload(std::string name, std::string filename, std::string data, std::string type = "application/octet-stream") {
    return {"Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename +
                "\"\r\nContent-Type: " + type + "\r\n",
            std::move(data)};
}

std::string body_of(const std::vector<part>& parts, std::string_view b = boundary) {
    std::string out;
    for (auto& p : parts) out += "--" + std::string(b) + "\r\n" + p.headers + "\r\n" + p.data + "\r\n";
    return out + "--" + std::string(b) + "--\r\n";
}

struct multipart_outcome {
    rk::response res;
    std::optional<rk::multipart_form> form;  // a copy: keeps temp files alive while the test looks
};

multipart_outcome post(std::string body, rk::multipart_options opt = {},
                       std::string type = "multipart/form-data; boundary=" + std::string(boundary)) {
    multipart_outcome o;
    rk::handler app = [&](rk::request& r) {
        o.form = rk::multipart_of(r);
        return rk::response::text("ok");
    };
    auto req = make_request("POST", "/up", {{"Content-Type", type}}, std::move(body));
    o.res = run_handler(app | rk::wrap_multipart(std::move(opt)), req);
    return o;
}

bool exists(std::string_view path) {
    struct stat st {};
    return ::stat(std::string(path).c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("fields and small files are read into memory, in order") {
    auto o = post(body_of({field("a", "1"), upload("doc", "notes.txt", "hello\r\nworld", "text/markdown"),
                           field("a", "2"), field("empty", "")}));
    CHECK(o.res.status == 200);
    REQUIRE(o.form);
    CHECK(o.form->fields.all("a") == std::vector<std::string_view>{"1", "2"});
    CHECK(o.form->fields.get("empty") == "");
    REQUIRE(o.form->files.size() == 1);
    auto* f = o.form->file("doc");
    REQUIRE(f);
    CHECK(f->filename == "notes.txt");
    CHECK(f->content_type == "text/markdown");
    CHECK(f->size == 12);
    CHECK(f->in_memory());
    CHECK(f->data == "hello\r\nworld");
    CHECK(f->bytes() == "hello\r\nworld");
    CHECK(f->path().empty());
    CHECK_FALSE(o.form->file("a"));
}

TEST_CASE("a part with no Content-Type is text/plain (RFC 7578 §4.4)") {
    auto o = post(body_of({{"Content-Disposition: form-data; name=f; filename=x.bin\r\n", "raw"}}));
    REQUIRE(o.form);
    REQUIRE(o.form->file("f"));
    CHECK(o.form->file("f")->content_type == "text/plain");
    CHECK(o.form->file("f")->filename == "x.bin");
}

TEST_CASE("the boundary may be quoted, the media type any case; preamble and epilogue are ignored") {
    const std::string b = "a'()+_,-./:=? z";  // every bchar class, with a space inside
    std::string body = "This is the preamble.\r\n--" + b + "\r\n" + body_of({field("x", "1")}, b).substr(b.size() + 4) +
                       "epilogue, ignored --" + b + "\r\n";
    auto o = post(body, {}, "Multipart/Form-Data; charset=utf-8; boundary=\"" + b + "\"");
    CHECK(o.res.status == 200);
    REQUIRE(o.form);
    CHECK(o.form->fields.get("x") == "1");
    CHECK(o.form->fields.size() == 1);
}

TEST_CASE("boundary text inside data that is not a delimiter line is data") {
    const std::string b(boundary);
    const std::string tricky = "x--" + b + "\r\n--" + b + "x\r\n--" + b + "-\r\n\r\n--" + b + "\t x";
    auto o = post(body_of({field("t", tricky), upload("f", "f", "--" + b)}));
    CHECK(o.res.status == 200);
    REQUIRE(o.form);
    CHECK(o.form->fields.get("t") == tricky);
    CHECK(o.form->file("f")->data == "--" + b);
}

TEST_CASE("transport padding after a delimiter is allowed") {
    const std::string b(boundary);
    auto o = post("--" + b + " \t\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--" + b + "--");
    CHECK(o.res.status == 200);
    REQUIRE(o.form);
    CHECK(o.form->fields.get("a") == "v");
}

TEST_CASE("an empty form (only the close delimiter) is fine") {
    auto o = post("--" + std::string(boundary) + "--\r\n");
    CHECK(o.res.status == 200);
    REQUIRE(o.form);
    CHECK(o.form->fields.empty());
    CHECK(o.form->files.empty());
}

TEST_CASE("filename* is ignored, filename kept as sent (quoted-pair unescaped)") {
    auto o = post(body_of(
        {{"content-disposition: FORM-DATA; name=\"a b\"; filename*=UTF-8''x%20y; filename=\"q\\\"uote;d.txt\"\r\n",
          "z"}}));
    CHECK(o.res.status == 200);
    REQUIRE(o.form);
    REQUIRE(o.form->file("a b"));
    CHECK(o.form->file("a b")->filename == "q\"uote;d.txt");
}

TEST_CASE("malformed bodies are 400") {
    const std::string b(boundary);
    const std::string ok_head = "Content-Disposition: form-data; name=a\r\n";
    const std::vector<std::string> bad = {
        "",                                                                   // no delimiter at all
        "no delimiter here",                                                  //
        "--" + b + "\r\n" + ok_head + "\r\nvalue",                            // no close delimiter
        "--" + b + "\r\n" + ok_head + "\r\nvalue\r\n--" + b,                  // truncated after the last boundary
        "--" + b + "\r\n" + ok_head + "value\r\n--" + b + "--",               // headers never end
        "--" + b + "\r\n\r\nvalue\r\n--" + b + "--",                          // no headers: no Content-Disposition
        "--" + b + "\r\nContent-Type: text/plain\r\n\r\nv\r\n--" + b + "--",  // no disposition
        "--" + b + "\r\nContent-Disposition: form-data\r\n\r\nv\r\n--" + b + "--",            // no name
        "--" + b + "\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--" + b + "--",   // not form-data
        "--" + b + "\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--" + b + "--",  // unterminated quote
        "--" + b + "\r\n" + ok_head + " folded: x\r\n\r\nv\r\n--" + b + "--",                 // obs-fold
        "--" + b + "\r\n" + ok_head + "bad header\r\n\r\nv\r\n--" + b + "--",                 // no colon
        "--" + b + "\r\n" + ok_head + "X: a\nb\r\n\r\nv\r\n--" + b + "--",                    // bare LF
        "--" + b + "\r\n" + ok_head + ok_head + "\r\nv\r\n--" + b + "--",                     // two dispositions
        "--" + b + "\r\n" + ok_head + "\r\n--" + b + "--",  // the blank line's CRLF is not the delimiter's
    };
    for (auto& body : bad) {
        CAPTURE(body);
        auto o = post(body);
        CHECK(o.res.status == 400);
        CHECK_FALSE(o.form);
        CHECK(o.res.body_string().starts_with("Malformed multipart"));
    }
}

TEST_CASE("a missing, empty, over-long or invalid boundary is 400") {
    const auto body = body_of({field("a", "1")});
    for (const std::string& type : std::vector<std::string>{
             "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"",
             "multipart/form-data; boundary=" + std::string(71, 'b'), "multipart/form-data; boundary=\"a b \"",
             "multipart/form-data; boundary=\"a{b\""}) {
        CAPTURE(type);
        auto o = post(body, {}, type);
        CHECK(o.res.status == 400);
        CHECK(o.res.body_string() == "Malformed multipart body: missing or invalid boundary");
    }
    const std::string b70(70, 'b');
    CHECK(post(body_of({field("a", "1")}, b70), {}, "multipart/form-data; boundary=" + b70).res.status == 200);
}

TEST_CASE("too many parts is 413; exactly max_parts passes") {
    rk::multipart_options opt{.max_parts = 3};
    CHECK(post(body_of({field("a", "1"), field("b", "2"), upload("c", "c", "3")}), opt).res.status == 200);
    auto o = post(body_of({field("a", "1"), field("b", "2"), field("c", "3"), field("d", "4")}), opt);
    CHECK(o.res.status == 413);
    CHECK(o.res.body_string() == "Too many parts in the multipart body");
    std::vector<part> many(101, field("x", "y"));  // the default is 100
    CHECK(post(body_of(many)).res.status == 413);
    many.pop_back();
    CHECK(post(body_of(many)).res.status == 200);
}

TEST_CASE("a part over max_part_size is 413; a part exactly at the limit passes") {
    rk::multipart_options opt{.max_part_size = 10};
    CHECK(post(body_of({field("a", std::string(10, 'x')), upload("f", "f", std::string(10, 'y'))}), opt).res.status ==
          200);
    auto o = post(body_of({field("a", std::string(11, 'x'))}), opt);
    CHECK(o.res.status == 413);
    CHECK(o.res.body_string() == "Multipart part too large");
    CHECK(post(body_of({upload("f", "f", std::string(11, 'y'))}), opt).res.status == 413);
}

TEST_CASE("part headers over max_part_header_bytes are 413; exactly at the limit pass") {
    const std::string head = "Content-Disposition: form-data; name=a\r\nX-Pad: ";
    auto sized = [&](std::size_t n) {  // a header section of n bytes, without the blank line
        return part{head + std::string(n - head.size() - 2, 'p') + "\r\n", "v"};
    };
    rk::multipart_options opt{.max_part_header_bytes = 200};
    CHECK(post(body_of({sized(200)}), opt).res.status == 200);
    auto o = post(body_of({sized(201)}), opt);
    CHECK(o.res.status == 413);
    CHECK(o.res.body_string() == "Multipart part headers too large");
}

TEST_CASE("a file over memory_threshold goes to a 0600 temp file that is gone once the form is") {
    char dir_template[] = "/tmp/rk-multipart-test-XXXXXX";
    REQUIRE(::mkdtemp(dir_template));
    const std::string dir = dir_template;
    rk::multipart_options opt{.memory_threshold = 16, .temp_dir = dir};
    const std::string big(100'000, 'B');
    std::string path;
    {
        auto o = post(
            body_of({upload("small", "s", std::string(16, 's')), upload("big", "b.bin", big), field("f", big)}), opt);
        REQUIRE(o.res.status == 200);
        REQUIRE(o.form);
        CHECK(o.form->file("small")->in_memory());
        auto* f = o.form->file("big");
        REQUIRE(f);
        CHECK_FALSE(f->in_memory());
        CHECK(f->data.empty());
        CHECK(f->size == big.size());
        path = std::string(f->path());
        CHECK(path.starts_with(dir + "/ringkit-upload-"));
        struct stat st {};
        REQUIRE(::stat(path.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        CHECK(static_cast<std::size_t>(st.st_size) == big.size());
        CHECK(f->bytes() == big);
        CHECK(o.form->fields.get("f") == big);  // fields stay in memory whatever their size
    }
    CHECK_FALSE(exists(path));         // the request's form and the test's copy are both gone
    CHECK(::rmdir(dir.c_str()) == 0);  // nothing else was left behind
}

TEST_CASE("temp files live as long as the request's ext and go when the server clears it") {
    char dir_template[] = "/tmp/rk-multipart-test-XXXXXX";
    REQUIRE(::mkdtemp(dir_template));
    const std::string dir = dir_template;
    std::string path;
    rk::handler app = [&](rk::request& r) {
        path = std::string(rk::multipart_of(r).file("f")->path());
        return rk::response::text("ok");
    };
    auto req = make_request("POST", "/up", {{"Content-Type", "multipart/form-data; boundary=" + std::string(boundary)}},
                            body_of({upload("f", "f", std::string(1000, 'z'))}));
    CHECK(run_handler(app | rk::wrap_multipart({.memory_threshold = 10, .temp_dir = dir}), req).status == 200);
    CHECK(exists(path));
    req.clear();
    CHECK_FALSE(exists(path));
    CHECK(::rmdir(dir.c_str()) == 0);
}

TEST_CASE("an error after a temp file was written leaves no file behind") {
    char dir_template[] = "/tmp/rk-multipart-test-XXXXXX";
    REQUIRE(::mkdtemp(dir_template));
    const std::string dir = dir_template;
    rk::multipart_options opt{.memory_threshold = 4, .max_parts = 1, .temp_dir = dir};
    CHECK(post(body_of({upload("f", "f", "0123456789"), field("x", "1")}), opt).res.status == 413);
    CHECK(::rmdir(dir.c_str()) == 0);
}

TEST_CASE("an unwritable temp dir is 500, not a crash") {
    rk::multipart_options opt{.memory_threshold = 4, .temp_dir = "/nonexistent/rk"};
    auto o = post(body_of({upload("f", "f", "0123456789")}), opt);
    CHECK(o.res.status == 500);
    CHECK(o.res.body_string() == "Could not store the uploaded file");
}

TEST_CASE("other content types pass through untouched, with an empty form") {
    for (auto type : {"text/plain", "application/x-www-form-urlencoded", "multipart/mixed; boundary=x", ""}) {
        CAPTURE(type);
        auto o = post("--x\r\ngarbage", {}, type);
        CHECK(o.res.status == 200);
        REQUIRE(o.form);
        CHECK(o.form->fields.empty());
        CHECK(o.form->files.empty());
    }
}

TEST_CASE("text fields join rk::params when wrap_params is outside") {
    std::optional<rk::params> seen;
    rk::handler app = [&](rk::request& r) {
        seen = rk::params_of(r);
        return rk::response::text("ok");
    };
    auto req = make_request("POST", "/up?q=1&user[id]=7",
                            {{"Content-Type", "multipart/form-data; boundary=" + std::string(boundary)}},
                            body_of({field("user[name]", "ann"), upload("avatar", "a.png", "png"), field("q", "2")}));
    CHECK(run_handler(app | rk::wrap_multipart() | rk::wrap_params(), req).status == 200);
    REQUIRE(seen);
    CHECK(seen->all("q") == std::vector<std::string_view>{"1", "2"});
    CHECK(seen->form.get("q") == "2");
    CHECK_FALSE(seen->get("avatar"));  // files are not params
    CHECK(seen->nested() == nlohmann::json::parse(R"({"q":["1","2"],"user":{"id":"7","name":"ann"}})"));
}

TEST_CASE("multipart_of without wrap_multipart names the missing middleware") {
    rk::request req;
    CHECK_THROWS_AS(rk::multipart_of(req), std::logic_error);
}

namespace {

// The request a server would hand over for `body`: parsed by request_parser,
// spooled to an anonymous temp file past `spool_threshold` bytes.
rk::request parsed_request(const std::string& body, std::size_t spool_threshold) {
    const std::string bytes =
        "POST /up HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=" + std::string(boundary) +
        "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    rk::request_parser p({.max_body = 1 << 30, .spool_threshold = spool_threshold});
    rk::request req;
    p.bind(req);
    auto r = p.feed(bytes);
    REQUIRE(r.event == rk::parse_event::message_complete);
    return req;
}

multipart_outcome post_parsed(const std::string& body, std::size_t spool_threshold, rk::multipart_options opt) {
    multipart_outcome o;
    rk::handler app = [&](rk::request& r) {
        o.form = rk::multipart_of(r);
        return rk::response::text("ok");
    };
    auto req = parsed_request(body, spool_threshold);
    CHECK(req.body_file.has_value() == (spool_threshold > 0 && body.size() > spool_threshold));
    o.res = run_handler(app | rk::wrap_multipart(std::move(opt)), req);
    return o;
}

}  // namespace

TEST_CASE("a spooled body (req.body_file) parses to the same form as the same body in memory") {
    char dir_template[] = "/tmp/rk-multipart-test-XXXXXX";
    REQUIRE(::mkdtemp(dir_template));
    const std::string dir = dir_template;
    std::string big(300'000, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 251);
    const auto body = body_of({field("a", "1"), upload("small", "s.txt", "tiny", "text/plain"),
                               upload("big", "b.bin", big), field("a", "2"), upload("empty", "e", "")});
    rk::multipart_options opt{.memory_threshold = 1000, .temp_dir = dir};
    {
        auto mem = post_parsed(body, 0, opt);
        auto disk = post_parsed(body, 1000, opt);
        REQUIRE(mem.res.status == 200);
        REQUIRE(disk.res.status == 200);
        REQUIRE(mem.form);
        REQUIRE(disk.form);
        CHECK(disk.form->fields.all("a") == std::vector<std::string_view>{"1", "2"});
        CHECK(mem.form->fields.all("a") == disk.form->fields.all("a"));
        REQUIRE(mem.form->files.size() == 3);
        REQUIRE(disk.form->files.size() == 3);
        for (std::size_t i = 0; i < 3; ++i) {
            auto& m = mem.form->files[i];
            auto& d = disk.form->files[i];
            CAPTURE(m.name);
            CHECK(m.name == d.name);
            CHECK(m.filename == d.filename);
            CHECK(m.content_type == d.content_type);
            CHECK(m.size == d.size);
            CHECK(m.in_memory() == d.in_memory());
            CHECK(m.bytes() == d.bytes());
        }
        CHECK(disk.form->file("big")->bytes() == big);
        CHECK_FALSE(disk.form->file("big")->in_memory());
        CHECK(disk.form->file("big")->path().starts_with(dir));
    }
    CHECK(::rmdir(dir.c_str()) == 0);  // every temp file went with its form
}

TEST_CASE("a spooled body gets the same statuses for bad input and limits") {
    const std::string big(5000, 'x');
    const auto ok = body_of({upload("f", "f", big)});
    CHECK(post_parsed(ok, 100, {.max_part_size = 4999}).res.status == 413);
    CHECK(post_parsed(body_of({field("a", big), field("b", "1")}), 100, {.max_parts = 1}).res.status == 413);
    auto cut = ok.substr(0, ok.size() - 10);  // no close delimiter
    auto o = post_parsed(cut, 100, {});
    CHECK(o.res.status == 400);
    CHECK(o.res.body_string() == post_parsed(cut, 0, {}).res.body_string());
    CHECK(post_parsed(ok, 100, {.memory_threshold = 10, .temp_dir = "/nonexistent/rk"}).res.status == 500);
}

TEST_CASE("an empty spooled body needs no mapping and is the same 400 as an empty body in memory") {
    auto req =
        make_request("POST", "/up", {{"Content-Type", "multipart/form-data; boundary=" + std::string(boundary)}});
    req.body_file = rk::spooled_body{std::make_shared<const int>(-1), 0};
    rk::handler app = [](rk::request&) { return rk::response::text("ok"); };
    auto res = run_handler(app | rk::wrap_multipart(), req);
    CHECK(res.status == 400);
    CHECK(res.body_string() == "Malformed multipart body: no boundary delimiter");
}
