// rk::files: a route serving a directory, the router's face of the file
// middleware. A header of its own so that routing/router.hpp does not bring the
// file-serving stack (conditional requests, ranges, MIME types) to programs
// that never serve files.
#pragma once

#include <string>
#include <utility>

#include "ringkit/middleware/file.hpp"
#include "ringkit/routing/router.hpp"

namespace ringkit {

/// The files under `root` at `prefix`: mount(prefix, file_handler(root, opts)),
/// with its path checks, conditional requests and ranges (middleware/file.hpp).
inline route files(std::string prefix, std::string root, file_options opts = {}) {
    return mount(std::move(prefix), file_handler(std::move(root), std::move(opts)));
}

}  // namespace ringkit
