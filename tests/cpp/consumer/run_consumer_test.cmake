# Proves that an installed ember works from another project: installs the
# build tree EMBER_BUILD_DIR into a fresh prefix under WORK_DIR, configures
# and builds the consumer project CONSUMER_SOURCE_DIR against that prefix with
# find_package(ember), and runs it. Usage:
#   cmake -DEMBER_BUILD_DIR=... -DCONSUMER_SOURCE_DIR=... -DWORK_DIR=...
#         [-DEMBER_GENERATOR=...] [-DEMBER_CXX_COMPILER=...] -P run_consumer_test.cmake
cmake_minimum_required(VERSION 3.18)

foreach(var EMBER_BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "run_consumer_test: -D${var}=... is required")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/build)
# Start clean, so a stale install or cache cannot hide a broken rule.
file(REMOVE_RECURSE ${prefix} ${consumer_build})

function(run step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "run_consumer_test: ${step} failed (${status}): ${ARGN}")
  endif()
endfunction()

run("install" ${CMAKE_COMMAND} --install ${EMBER_BUILD_DIR} --prefix ${prefix})

set(configure_args -S ${CONSUMER_SOURCE_DIR} -B ${consumer_build} -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
if(EMBER_GENERATOR)
  list(APPEND configure_args -G "${EMBER_GENERATOR}")
endif()
if(EMBER_CXX_COMPILER)
  list(APPEND configure_args -DCMAKE_CXX_COMPILER=${EMBER_CXX_COMPILER})
endif()
run("configure" ${CMAKE_COMMAND} ${configure_args})

# The consumer must have found the package just installed, not another copy.
file(STRINGS ${consumer_build}/CMakeCache.txt ember_dir_line REGEX "^ember_DIR:")
string(FIND "${ember_dir_line}" "${prefix}/" at)
if(NOT at GREATER -1)
  message(FATAL_ERROR "run_consumer_test: find_package(ember) did not use ${prefix}: ${ember_dir_line}")
endif()

run("build" ${CMAKE_COMMAND} --build ${consumer_build})
run("run" ${consumer_build}/app)
