// The zlib side of channel/channel_set.hpp: compressing a broadcast once.
// Included at the end of that header when ringkit is header-only, and compiled
// once by <ringkit/src.hpp> with RINGKIT_SEPARATE_COMPILATION.
#pragma once

#include <string>
#include <string_view>

#include "ringkit/channel/channel_set.hpp"
#include "ringkit/ws/deflate.hpp"

namespace ringkit::detail {

RINGKIT_DECL void deflate_message(const ws::deflate_options& options, const ws::deflate_params& params,
                                  std::string_view in, std::string& out) {
    ws::deflater(options, params).compress(in, out);
}

}  // namespace ringkit::detail
