# The CUDA backend (src/cuda/). ACTCACHE_CUDA: AUTO (default) builds it when nvcc is found —
# on PATH, through CUDACXX, or at /usr/local/cuda/bin/nvcc — ON requires it, OFF skips it.
# Targets: sm_80 and sm_90 machine code (A100, H100/H200) plus compute_90 PTX, which newer GPUs
# compile at load. Sets ACTCACHE_WITH_CUDA.
set(ACTCACHE_CUDA AUTO CACHE STRING "Build the CUDA backend: AUTO (when nvcc is found), ON, OFF")
set_property(CACHE ACTCACHE_CUDA PROPERTY STRINGS AUTO ON OFF)

set(ACTCACHE_WITH_CUDA OFF)
if(NOT ACTCACHE_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 80-real 90-real 90-virtual)
    endif()
    enable_language(CUDA)
    set(CMAKE_CUDA_STANDARD 17)  # the .cu files include only CUDA and standard headers
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    set(ACTCACHE_WITH_CUDA ON)
    message(STATUS "actcache: CUDA backend on (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, ${CMAKE_CUDA_ARCHITECTURES})")
  elseif(ACTCACHE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "ACTCACHE_CUDA=ON but no nvcc was found (set CUDACXX or put nvcc on PATH)")
  else()
    message(STATUS "actcache: CUDA backend off (no nvcc found)")
  endif()
endif()
