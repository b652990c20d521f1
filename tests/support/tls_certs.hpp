// A throwaway certificate authority and certificates, made once per test
// process with the openssl command line in a temporary directory (removed at
// exit), so no private key is ever committed:
//   ca.pem             the CA (ECDSA P-256) that signed all of the below
//   server.pem/.key    CN=localhost, SAN localhost and 127.0.0.1 (ECDSA P-256)
//   other.pem/.key     CN=other.test, SAN other.test and *.other.test (for SNI)
//   rsa.pem/.key       CN=localhost, RSA-2048
//   client.pem/.key    CN=alice,O=ringkit tests, for mutual TLS
//   server.enc.key     server.key encrypted (AES-256) with passphrase "secret"
//   stranger-ca.pem    a second CA, which signed stranger.pem/.key (untrusted)
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

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

/// The certificates of this process, made on first use. Throws when openssl fails.
inline const tls_certs& test_certs() {
    static const tls_certs certs = [] {
        tls_certs c{detail_certs::make_dir()};
        const std::string script = R"(set -e
cd ")" + c.dir + R"("
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
sign() { # name subject san [ca]
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "${4:-ca}.pem" -CAkey "${4:-ca}.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
ec ca.key
openssl req -x509 -new -key ca.key -subj "/CN=ringkit test CA" -days 2 -out ca.pem 2>/dev/null
ec stranger-ca.key
openssl req -x509 -new -key stranger-ca.key -subj "/CN=stranger CA" -days 2 -out stranger-ca.pem 2>/dev/null
ec server.key; sign server "/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1"
ec other.key; sign other "/CN=other.test" "subjectAltName=DNS:other.test,DNS:*.other.test"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null
sign rsa "/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1"
ec client.key; sign client "/O=ringkit tests/CN=alice" "extendedKeyUsage=clientAuth"
ec stranger.key; sign stranger "/CN=mallory" "extendedKeyUsage=clientAuth" stranger-ca
openssl pkey -in server.key -aes256 -passout pass:secret -out server.enc.key 2>/dev/null
)";
        if (std::system(("bash -c '" +
                         [&] {
                             std::string quoted;
                             for (char ch : script) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
                             return quoted;
                         }() +
                         "'")
                            .c_str()) != 0)
            throw std::runtime_error("openssl could not make the test certificates in " + c.dir);
        return c;
    }();
    static const detail_certs::dir_remover remover{certs.dir};
    return certs;
}

}  // namespace ringkit::test
