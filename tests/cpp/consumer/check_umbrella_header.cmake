# Checks that ember.h includes every public header of the library, so a user
# who includes only "ember.h" gets every op. Headers only kernel authors need
# are listed in `internal`. Usage: cmake -DEMBER_SOURCE_DIR=... -P check_umbrella_header.cmake
cmake_minimum_required(VERSION 3.18)

set(internal autograd/inplace.h ops/loops.h ops/parallel.h ops/vec_math.h ops/conv_geom.h ops/conv_direct.h ops/conv_simd.h ops/conv_winograd.h)

file(READ ${EMBER_SOURCE_DIR}/ember.h umbrella)
file(GLOB headers RELATIVE ${EMBER_SOURCE_DIR}
  ${EMBER_SOURCE_DIR}/autograd/*.h ${EMBER_SOURCE_DIR}/ops/*.h ${EMBER_SOURCE_DIR}/nn/*.h ${EMBER_SOURCE_DIR}/nn/modules/*.h
  ${EMBER_SOURCE_DIR}/nn/models/*.h ${EMBER_SOURCE_DIR}/optim/*.h ${EMBER_SOURCE_DIR}/data/*.h)
# ops/<family>_internal.h: helpers shared by the .cpp files of one op family, never by users.
list(FILTER headers EXCLUDE REGEX "_internal\\.h$")
set(missing)
foreach(header ${headers})
  string(FIND "${umbrella}" "#include \"${header}\"" at)
  if(at EQUAL -1 AND NOT header IN_LIST internal)
    list(APPEND missing ${header})
  endif()
endforeach()
if(missing)
  string(REPLACE ";" ", " missing "${missing}")
  message(FATAL_ERROR "ember.h does not include these public headers: ${missing} "
                      "(add them to ember.h, or to `internal` in this script if users never need them)")
endif()
list(REMOVE_ITEM headers ${internal})
list(LENGTH headers count)
message(STATUS "ember.h includes all ${count} public headers")
