# A bounded fuzz run for ctest:
#   cmake -DFUZZER=... -DSEEDS=dir -DDICT=file -DWORK=dir -DRUNS=n [-DSECONDS=s] -P smoke.cmake
# RUNS executions (-seed=1, so a run is repeatable), or SECONDS if that comes first.
# The seeds are copied into WORK first: libFuzzer adds what it finds to its corpus
# directory, and the repository's seed corpus must stay as committed.
foreach(var FUZZER SEEDS WORK RUNS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "smoke.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
file(COPY ${SEEDS}/ DESTINATION ${WORK}/corpus)

set(time_arg "")
if(SECONDS)
  set(time_arg -max_total_time=${SECONDS})
endif()
set(dict_arg "")
if(DICT AND EXISTS ${DICT})
  set(dict_arg -dict=${DICT})
endif()
execute_process(
  COMMAND ${FUZZER} ${WORK}/corpus ${dict_arg} ${time_arg}
          -runs=${RUNS} -max_len=4096 -timeout=10 -rss_limit_mb=2048 -seed=1
          -print_final_stats=1 -artifact_prefix=${WORK}/artifacts/
  WORKING_DIRECTORY ${WORK}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(GLOB found ${WORK}/artifacts/*)
  message(FATAL_ERROR "fuzzer failed (${rc}); reproducer(s): ${found}\n"
                      "rerun one with: ${FUZZER} <file>")
endif()
