# Runs Doxygen and fails on any warning, then checks that the reference has the
# pages a reader looks for first. Used by the `docs` target and the docs_doxygen test:
#     cmake -DDOXYGEN=doxygen -DDOXYFILE=BUILD/docs/Doxyfile -DHTML=BUILD/docs/html -P check_doxygen.cmake
if(NOT DOXYGEN)
  message(FATAL_ERROR "docs_doxygen: doxygen not found (apt-get install doxygen)")
endif()
if(NOT DOXYFILE OR NOT HTML)
  message(FATAL_ERROR "docs_doxygen: -DDOXYFILE=... and -DHTML=... are required")
endif()

# Stale pages must not pass for fresh ones.
file(REMOVE_RECURSE ${HTML})
execute_process(COMMAND ${DOXYGEN} ${DOXYFILE}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
# QUIET = YES: anything on stderr is a warning or an error.
string(STRIP "${err}" err)
if(NOT rc EQUAL 0 OR err)
  message(FATAL_ERROR "docs_doxygen: doxygen exited with ${rc}; its warnings:\n${err}")
endif()

# One page per central type; a rename in the headers must be a rename here too.
foreach(page index classringkit_1_1server classringkit_1_1response structringkit_1_1request
             classringkit_1_1router classringkit_1_1channel classringkit_1_1channel__set
             classringkit_1_1ws_1_1stream classringkit_1_1ws_1_1socket structringkit_1_1server__options)
  if(NOT EXISTS ${HTML}/${page}.html)
    message(FATAL_ERROR "docs_doxygen: ${HTML}/${page}.html was not generated")
  endif()
endforeach()
# Every page of the guide is in the Doxyfile's INPUT (listed there by hand, in reading order).
file(GLOB pages RELATIVE ${CMAKE_CURRENT_LIST_DIR}/guide ${CMAKE_CURRENT_LIST_DIR}/guide/*.md)
foreach(page ${pages})
  string(REGEX REPLACE "\\.md$" "" name ${page})
  if(NOT EXISTS ${HTML}/md_docs_guide_${name}.html)
    message(FATAL_ERROR "docs_doxygen: docs/guide/${page} has no page: add it to INPUT in docs/Doxyfile.in")
  endif()
endforeach()
message(STATUS "docs_doxygen: no warnings; ${HTML}/index.html")
