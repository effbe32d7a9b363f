# Finds OpenBLAS as the imported target PkgConfig::OPENBLAS, preferring
# Debian's OpenMP build (libopenblas-openmp-dev) over the pthread one that the
# libopenblas.so alternative usually points to. With the OpenMP build, GEMM
# runs on the same OpenMP thread pool as ember's own kernels; with the pthread
# build two pools take turns on the same cores, and each one's spinning
# threads slow the other down (conv2d forward + backward measured up to 4x
# slower on 2 cores). Used by the build and by the installed emberConfig.cmake.
set(_ember_openblas_openmp_pc "/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp/pkgconfig")
if(EXISTS "${_ember_openblas_openmp_pc}/openblas.pc")
  set(ENV{PKG_CONFIG_PATH} "${_ember_openblas_openmp_pc}:$ENV{PKG_CONFIG_PATH}")
endif()
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)
# The variant's directory is not on the loader's path (only the alternative
# is), so programs and the Python extension remember it in their RPATH.
set(CMAKE_INSTALL_RPATH_USE_LINK_PATH ON)
