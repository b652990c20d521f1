// A big upload through a real server and wrap_multipart: the multipart body is
// spooled to an anonymous temp file as it arrives (server_options::spool_threshold)
// instead of request::body, the handler still sees every byte of the file part,
// and once the response is out nothing is left: no temp file, no descriptor.
#include <doctest/doctest.h>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>

#include "integration/support.hpp"

using namespace ringkit;
using namespace ringkit::test;

namespace {

std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h = 14695981039346656037ull) {
    for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
    return h;
}

// The file's hash, read in 64 KiB pieces (no second 20 MiB copy in memory).
std::uint64_t fnv1a_file(const std::string& path) {
    std::uint64_t h = fnv1a({});
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    std::string buf(64 * 1024, '\0');
    for (;;) {
        auto n = ::read(fd, buf.data(), buf.size());
        if (n <= 0) break;
        h = fnv1a({buf.data(), static_cast<std::size_t>(n)}, h);
    }
    ::close(fd);
    return h;
}

std::size_t entries_in(const std::string& dir, const char* skip = nullptr) {
    std::size_t n = 0;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return 0;
    while (auto* e = ::readdir(d)) {
        std::string_view name = e->d_name;
        n += name != "." && name != ".." && (!skip || name != skip);
    }
    ::closedir(d);
    return n;
}

std::string pattern(std::size_t n) {
    std::string out(n, '\0');
    std::uint64_t x = 88172645463325252ull;
    for (auto& c : out) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        c = static_cast<char>(x);
    }
    return out;
}

struct seen {
    std::mutex mutex;
    bool called = false, body_empty = false, spooled = false, file_on_disk = false;
    std::uint64_t spooled_size = 0, file_size = 0, file_hash = 0;
    std::string field, filename;
    std::size_t temp_files_during = 0;
};

}  // namespace

TEST_SUITE("integration/mw_upload") {

TEST_CASE("a 20 MiB upload is spooled to disk, reaches the handler intact, and leaves nothing behind") {
    char dir_template[] = "/tmp/rk-upload-test-XXXXXX";
    REQUIRE(::mkdtemp(dir_template));
    const std::string dir = dir_template;
    const std::string boundary = "----rkUploadBoundary0123";
    const auto file = pattern(20 * 1024 * 1024);
    const std::string body =
        "--" + boundary + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nholiday photos\r\n--" + boundary +
        "\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"big.bin\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n" +
        file + "\r\n--" + boundary + "--\r\n";
    seen s;
    handler app = [&](request& req) {
        if (req.request_method == method::get) return response::text("hi");
        const auto& form = multipart_of(req);
        std::lock_guard lock(s.mutex);
        s.called = true;
        s.body_empty = req.body.empty();
        s.spooled = req.body_file.has_value();
        s.spooled_size = req.body_file ? req.body_file->size : 0;
        s.field = std::string(form.fields.get("title").value_or("(none)"));
        if (auto* f = form.file("upload")) {
            s.filename = f->filename;
            s.file_size = f->size;
            s.file_on_disk = !f->in_memory();
            s.file_hash = f->in_memory() ? fnv1a(f->data) : fnv1a_file(std::string(f->path()));
        }
        s.temp_files_during = entries_in(dir);
        return response::text("stored");
    };
    test_server srv(app | wrap_multipart({.max_part_size = 32 * 1024 * 1024, .temp_dir = dir}),
                    {.max_body = 64 * 1024 * 1024, .spool_threshold = 1024 * 1024, .spool_dir = dir});

    raw_client c(srv.port());
    // A first request makes the server accept the connection, so the descriptor
    // count below already holds both ends of it.
    REQUIRE(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(c.read_response().body == "hi");
    const auto fds_before = open_fds();

    const std::string head =
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=" + boundary;
    SUBCASE("Content-Length") {
        REQUIRE(c.send(head + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
        REQUIRE(c.send(body));
    }
    SUBCASE("chunked") {
        // Framed before the head goes out: a client that sends headers and then
        // nothing for body_rate_grace gets 408 (and under TSan framing takes seconds).
        const auto framed = chunked(body, 100'000);
        REQUIRE(c.send(head + "\r\nTransfer-Encoding: chunked\r\n\r\n"));
        REQUIRE(c.send(framed));
    }
    auto r = c.read_response();
    CHECK(r.status == 200);
    CHECK(r.body == "stored");
    // The server clears the request after answering it, before it parses the next
    // one: after this second answer the upload's files must be gone.
    REQUIRE(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    c.read_response();

    std::lock_guard lock(s.mutex);
    CHECK(s.called);
    CHECK(s.body_empty);
    CHECK(s.spooled);
    CHECK(s.spooled_size == body.size());
    CHECK(s.field == "holiday photos");
    CHECK(s.filename == "big.bin");
    CHECK(s.file_size == file.size());
    CHECK(s.file_on_disk);
    CHECK(s.file_hash == fnv1a(file));
    CHECK(s.temp_files_during == 1);  // the part's file; the spooled body has no name
    CHECK(entries_in(dir) == 0);
    CHECK(open_fds() == fds_before);
    CHECK(::rmdir(dir.c_str()) == 0);
}

}  // TEST_SUITE("integration/mw_upload")
