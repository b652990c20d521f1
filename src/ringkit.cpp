// The one translation unit of ringkit::compiled: ringkit's engine, with llhttp
// and zlib, compiled once (RINGKIT_SEPARATE_COMPILATION; see <ringkit/src.hpp>).
#include <ringkit/src.hpp>
