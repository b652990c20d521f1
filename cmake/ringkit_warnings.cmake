# Warnings for ringkit's own targets (never imposed on consumers).
function(ringkit_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(RINGKIT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
