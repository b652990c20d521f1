file(REMOVE_RECURSE
  "CMakeFiles/echo_server.dir/echo_server.cpp.o"
  "CMakeFiles/echo_server.dir/echo_server.cpp.o.d"
  "echo_server"
  "echo_server.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/echo_server.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
