// The translation unit that builds tests/support/pch.hpp (tests/CMakeLists.txt).
