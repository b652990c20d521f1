// libFuzzer target for wrap_multipart (ringkit/middleware/multipart.hpp) on
// arbitrary bodies under a fixed boundary.
//
// Input layout:  [options byte] [body...]
//   options bits 0..2  memory_threshold 0..7 bytes (small, so temp files are exercised)
//   options bits 3..5  max_parts 1..8;  bits 6..7: max_part_size 8, 64, 512 or 4096
//   body               the request body; Content-Type: multipart/form-data; boundary=zB
//
// Invariants (__builtin_trap() when broken):
//   - the answer is 200 (handler ran with a form) or 400/413 with a short text
//     body, and the handler never ran otherwise;
//   - on 200: at most max_parts parts, each at most max_part_size bytes, none
//     holding a delimiter line ("\r\n--zB" then "--" or padding and CRLF); a file
//     over memory_threshold is a temp file of exactly its size, others are in
//     memory; serialising the form again and parsing it gives the same form;
//   - every temp file is gone once the form is;
//   - the same body spooled to an anonymous temp file (request::body_file, as the
//     parser spools a large upload; wrap_multipart then reads it through mmap and
//     copies big files out with copy_file_range) gives the same status and the
//     same form.
#include "ringkit/middleware/multipart.hpp"
#include "fuzz_check.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringkit/http/parser.hpp"

namespace {

namespace rk = ringkit;

constexpr std::string_view boundary = "zB";

std::optional<rk::multipart_form> run(std::string body, const rk::multipart_options& opt, int& status,
                                      bool spooled = false) {
    rk::request req;
    req.method_name = "POST";
    req.headers.add("Content-Type", "multipart/form-data; boundary=" + std::string(boundary));
    if (spooled) {
        // As request_parser::start_spool does it.
        const int fd = rk::detail::open_anonymous_file("");
        FUZZ_CHECK(fd >= 0);
        req.body_file.emplace(rk::spooled_body{std::shared_ptr<const int>(new int(fd),
                                                                          [](const int* p) {
                                                                              ::close(*p);
                                                                              delete p;
                                                                          }),
                                               body.size()});
        FUZZ_CHECK(rk::detail::write_all(fd, body));
    } else {
        req.body = std::move(body);
    }
    std::optional<rk::multipart_form> seen;
    rk::handler app = [&](rk::request& r) {
        seen = rk::multipart_of(r);
        return rk::response::text("ok");
    };
    auto out = (app | rk::wrap_multipart(opt)).invoke(req);
    auto* res = std::get_if<rk::response>(&out);
    FUZZ_CHECK(res);
    status = res->status;
    if (status != 200) {
        FUZZ_CHECK(!seen);
        FUZZ_CHECK(!res->body_string().empty() && res->body_string().size() < 120);
    }
    return seen;
}

bool holds_delimiter(std::string_view data) {
    const std::string delim = "\r\n--" + std::string(boundary);
    // A part's data may end in "\r\n--zB..." only if what follows is not a delimiter's tail;
    // inside the data, after it, the next bytes are data too: check every occurrence.
    for (auto at = data.find(delim); at != std::string_view::npos; at = data.find(delim, at + 1)) {
        auto tail = data.substr(at + delim.size());
        if (tail.starts_with("--")) return true;
        while (!tail.empty() && (tail.front() == ' ' || tail.front() == '\t')) tail.remove_prefix(1);
        if (tail.starts_with("\r\n")) return true;
    }
    return false;
}

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string serialise(const rk::multipart_form& form) {
    std::string out;
    const std::string delim = "--" + std::string(boundary);
    for (auto& [name, value] : form.fields)
        out += delim + "\r\nContent-Disposition: form-data; name=" + quote(name) + "\r\n\r\n" + value + "\r\n";
    for (auto& f : form.files)
        out += delim + "\r\nContent-Disposition: form-data; name=" + quote(f.name) + "; filename=" + quote(f.filename) +
               "\r\nContent-Type: " + f.content_type + "\r\n\r\n" + f.bytes() + "\r\n";
    return out + delim + "--\r\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    rk::multipart_options opt;
    opt.memory_threshold = data[0] & 7;
    opt.max_parts = 1 + ((data[0] >> 3) & 7);
    opt.max_part_size = std::size_t{8} << (3 * (data[0] >> 6));
    opt.max_part_header_bytes = 256;
    std::string body(reinterpret_cast<const char*>(data + 1), size - 1);

    int status = 0;
    std::vector<std::string> paths;
    {
        auto form = run(body, opt, status);
        FUZZ_CHECK(status == 200 || status == 400 || status == 413);
        int spooled_status = 0;
        auto spooled = run(body, opt, spooled_status, true);
        FUZZ_CHECK(spooled_status == status);
        if (status != 200) return 0;
        FUZZ_CHECK(
            std::equal(form->fields.begin(), form->fields.end(), spooled->fields.begin(), spooled->fields.end()));
        FUZZ_CHECK(spooled->files.size() == form->files.size());
        for (std::size_t i = 0; i < form->files.size(); ++i) {
            const auto &a = form->files[i], &b = spooled->files[i];
            FUZZ_CHECK(a.name == b.name && a.filename == b.filename && a.content_type == b.content_type);
            FUZZ_CHECK(a.size == b.size && a.in_memory() == b.in_memory() && a.bytes() == b.bytes());
            if (!b.in_memory()) paths.emplace_back(b.path());
        }
        FUZZ_CHECK(form->fields.size() + form->files.size() <= opt.max_parts);
        for (auto& [name, value] : form->fields) {
            FUZZ_CHECK(value.size() <= opt.max_part_size);
            FUZZ_CHECK(!holds_delimiter(value));
        }
        for (auto& f : form->files) {
            FUZZ_CHECK(f.size <= opt.max_part_size);
            FUZZ_CHECK(f.in_memory() == (f.size <= opt.memory_threshold));
            if (f.in_memory()) {
                FUZZ_CHECK(f.data.size() == f.size);
            } else {
                struct stat st {};
                FUZZ_CHECK(::stat(f.file->path().c_str(), &st) == 0);
                FUZZ_CHECK(static_cast<std::uint64_t>(st.st_size) == f.size);
                paths.emplace_back(f.path());
            }
            FUZZ_CHECK(!holds_delimiter(f.bytes()));
        }
        // Names and filenames come out of quoted-strings or tokens: re-quoting them round-trips,
        // unless they hold bytes a header cannot carry (then serialising is not meaningful).
        bool printable = true;
        auto ok = [&](std::string_view s) { printable = printable && rk::detail::is_field_value(s); };
        for (auto& [name, value] : form->fields) ok(name);
        for (auto& f : form->files) ok(f.name), ok(f.filename), ok(f.content_type);
        if (printable) {
            int again = 0;
            rk::multipart_options roomy = opt;
            roomy.max_part_header_bytes = 4096;
            auto back = run(serialise(*form), roomy, again);
            FUZZ_CHECK(again == 200);
            FUZZ_CHECK(std::equal(form->fields.begin(), form->fields.end(), back->fields.begin(), back->fields.end()));
            FUZZ_CHECK(back->files.size() == form->files.size());
            for (std::size_t i = 0; i < form->files.size(); ++i) {
                FUZZ_CHECK(back->files[i].name == form->files[i].name);
                FUZZ_CHECK(back->files[i].filename == form->files[i].filename);
                FUZZ_CHECK(back->files[i].bytes() == form->files[i].bytes());
            }
        }
    }
    for (auto& p : paths) {
        struct stat st {};
        FUZZ_CHECK(::stat(p.c_str(), &st) != 0);
    }
    return 0;
}
