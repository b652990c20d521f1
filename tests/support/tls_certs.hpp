// A throwaway certificate authority and certificates, made once per test
// process by scripts/make-test-certs.sh (the openssl command line; its header
// lists the files) in a temporary directory removed at exit, so no private key
// is ever committed. The script is found through RINGKIT_SOURCE_DIR, which
// tests/CMakeLists.txt and scripts/quick-test.sh define.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#ifndef RINGKIT_SOURCE_DIR
#define RINGKIT_SOURCE_DIR "."  // the tests run from the source tree's root
#endif

namespace ringkit::test {

struct tls_certs {
    std::string dir;
    std::string path(const std::string& name) const { return dir + "/" + name; }
    std::string ca() const { return path("ca.pem"); }
};

namespace detail_certs {
inline std::string make_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ringkit-certs-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    return pattern;
}

struct dir_remover {
    std::string dir;
    ~dir_remover() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};
}  // namespace detail_certs

/// The certificates of this process, made on first use. Throws when the script fails.
inline const tls_certs& test_certs() {
    static const tls_certs certs = [] {
        tls_certs c{detail_certs::make_dir()};
        const std::string command = "bash '" RINGKIT_SOURCE_DIR "/scripts/make-test-certs.sh' '" + c.dir + "'";
        if (std::system(command.c_str()) != 0)
            throw std::runtime_error("scripts/make-test-certs.sh could not make the test certificates in " + c.dir);
        return c;
    }();
    static const detail_certs::dir_remover remover{certs.dir};
    return certs;
}

}  // namespace ringkit::test
