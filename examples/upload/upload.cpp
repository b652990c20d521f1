// File upload with a progress bar: a page that posts multipart/form-data with
// XMLHttpRequest (progress events), and a server that keeps what it receives.
//
//   upload [--port N] [--dir DIR] [--max-mb N]     then open http://127.0.0.1:8080/
//   curl -F file=@big.iso http://127.0.0.1:8080/upload
//
// Large bodies never sit in memory: past server_options::spool_threshold the body
// goes to a temp file as it arrives, parts past 64 KiB become temp files of their
// own, and keeping one is a link(2), not a copy. Everything lives under DIR
// (default: a new directory in $TMPDIR): DIR/files is what /files serves,
// DIR/incoming holds the temp files, on the same filesystem so link() works.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <ringkit.hpp>

#include "page.hpp"

namespace rk = ringkit;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// The client's filename is untrusted: keep its last path segment, in a safe
// alphabet, never hidden, never empty.
std::string safe_name(std::string_view client_name) {
    if (auto slash = client_name.find_last_of("/\\"); slash != std::string_view::npos)
        client_name.remove_prefix(slash + 1);
    std::string out;
    for (unsigned char c : client_name) {
        if (out.size() == 100) break;
        out.push_back(std::isalnum(c) || c == '.' || c == '-' || c == '_' ? static_cast<char>(c) : '_');
    }
    while (!out.empty() && out.front() == '.') out.erase(0, 1);
    return out.empty() ? "upload" : out;
}

// Saves one uploaded file as DIR/name, or DIR/stem-2.ext, -3... when that is
// taken: never overwrites, and two uploads cannot race for a name (both link(2)
// and O_EXCL fail when it exists). Returns the name it was saved as.
std::string keep(const rk::uploaded_file& f, const fs::path& dir) {
    const auto name = safe_name(f.filename);
    const auto stem = fs::path(name).stem().string(), ext = fs::path(name).extension().string();
    for (int n = 1; n < 10000; ++n) {
        const auto path = dir / (n == 1 ? name : stem + "-" + std::to_string(n) + ext);
        if (!f.in_memory()) {
            // The temp file goes away with the request; a second link to it stays.
            if (::link(std::string(f.path()).c_str(), path.c_str()) == 0) return path.filename().string();
            if (errno == EEXIST) continue;
            if (errno != EXDEV && errno != EPERM) break;  // no hard links here: copy below
        }
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST) continue;
        if (fd < 0) break;
        ::close(fd);
        if (f.in_memory()) {
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out.write(f.data.data(), static_cast<std::streamsize>(f.data.size()));
            if (!out.flush()) break;
        } else {
            fs::copy_file(f.path(), path, fs::copy_options::overwrite_existing);
        }
        return path.filename().string();
    }
    throw std::runtime_error("cannot save " + name + ": " + std::strerror(errno));
}

json listing(const fs::path& dir) {
    auto out = json::array();
    for (auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) out.push_back({{"name", e.path().filename().string()}, {"size", e.file_size()}});
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a["name"] < b["name"]; });
    return out;
}

rk::handler app(const fs::path& files_dir, const rk::multipart_options& multipart) {
    return rk::router{
        rk::GET("/", [](rk::request&) { return rk::response::html(upload_page); }),
        rk::POST("/upload", rk::handler([files_dir](rk::request& req) {
                                const auto& form = rk::multipart_of(req);
                                if (form.files.empty())
                                    return rk::response::json({{"error", "no file in the form"}}, 400);
                                auto saved = json::array();
                                for (auto& f : form.files)
                                    saved.push_back({{"name", f.filename},
                                                     {"saved_as", keep(f, files_dir)},
                                                     {"size", f.size},
                                                     {"content_type", f.content_type}});
                                return rk::response::json(saved, 201);
                            }) | rk::wrap_multipart(multipart)),
        rk::GET("/files", [files_dir](rk::request&) { return rk::response::json(listing(files_dir)); }),
        rk::files("/files", files_dir.string()),
    };
}

fs::path default_dir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/ringkit-upload.XXXXXX";
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    return pattern;
}

}  // namespace

int main(int argc, char** argv) {
    rk::server_options options{.ip = "127.0.0.1", .port = 8080, .threads = 2};
    fs::path dir;
    std::size_t max_mb = 1024;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--port")) options.port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
        else if (!std::strcmp(argv[i], "--max-mb")) max_mb = std::strtoul(argv[i + 1], nullptr, 10);
    }
    if (dir.empty()) dir = default_dir();
    fs::create_directories(dir / "files");
    fs::create_directories(dir / "incoming");

    // Bodies past max_body get 413 before a byte of them is read; the default
    // 8 MiB is for forms, not files. The spooled body and the parts' temp files
    // go to DIR/incoming.
    options.max_body = max_mb * 1024 * 1024;
    options.spool_dir = (dir / "incoming").string();
    rk::multipart_options multipart{.max_part_size = options.max_body, .temp_dir = options.spool_dir};

    rk::server server(app(dir / "files", multipart), options);
    server.start();
    std::printf("listening on %s:%u\n", options.ip.c_str(), server.port());
    std::printf("keeping uploads in %s\n", (dir / "files").c_str());
    std::fflush(stdout);
    rk::run_until_signal(server);
}
