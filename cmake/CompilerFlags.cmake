# Project-wide compile flags.
#
# Baseline ISA: x86-64 with AVX2 and FMA (x86-64-v3), never -march=native, so the binary runs
# on any such machine; faster AVX-512 paths are added per file and chosen at run time.
# -ffp-contract=off: the compiler must not fuse a*b+c into an FMA on its own, because that
# changes rounding and therefore the bits of results (determinism rule, DESIGN.md §1).
# C++ files only: CUDA files (src/cuda/*.cu) get their flags in src/cuda/CMakeLists.txt.
add_compile_options(
  "$<$<COMPILE_LANGUAGE:CXX>:-Wall;-Wextra;-Wpedantic;-Wshadow;-Wnon-virtual-dtor;-Wcast-align;-Wunused>"
  "$<$<COMPILE_LANGUAGE:CXX>:-Woverloaded-virtual;-Wimplicit-fallthrough;-ffp-contract=off>"
  "$<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CONFIG:Release>>:-O2>")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:-march=x86-64-v3>")
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # Checks the ACT_GUARDED_BY annotations (STYLE.md rule 12).
  add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:-Wthread-safety>")
endif()
if(ACTCACHE_SANITIZE)
  add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined;-fno-omit-frame-pointer;-fno-sanitize-recover=all>")
  add_link_options(-fsanitize=address,undefined)
endif()
