file(REMOVE_RECURSE
  "CMakeFiles/ringkit_llhttp.dir/usr/share/llhttp/api.c.o"
  "CMakeFiles/ringkit_llhttp.dir/usr/share/llhttp/api.c.o.d"
  "CMakeFiles/ringkit_llhttp.dir/usr/share/llhttp/http.c.o"
  "CMakeFiles/ringkit_llhttp.dir/usr/share/llhttp/http.c.o.d"
  "CMakeFiles/ringkit_llhttp.dir/usr/share/llhttp/llhttp.c.o"
  "CMakeFiles/ringkit_llhttp.dir/usr/share/llhttp/llhttp.c.o.d"
  "libringkit_llhttp.a"
  "libringkit_llhttp.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/ringkit_llhttp.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
