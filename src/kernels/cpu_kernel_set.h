// CpuKernelSet: which of the CPU backend's kernel families run, chosen once at run time so that
// one binary uses the best instructions of the CPU it lands on.
//
// The sets, each a superset of the one before in what the CPU must execute:
//   reference    scalar loops (reference_kernels.h): any x86-64
//   avx2         AVX2 + FMA: the bf16 GEMM widens bf16 to fp32 in registers (Haswell, Zen 1+)
//   avx512       AVX-512 F/BW/VL: the same widening GEMM on zmm, plus the AVX-512 attention
//                and element-wise kernels (Skylake-SP .. Ice Lake)
//   avx512bf16   as avx512, but the GEMM multiplies bf16 pairs with vdpbf16ps (Zen 4+,
//                Cooper Lake, Sapphire Rapids+)
// ACTCACHE_KERNELS=<name> in the environment forces a set no better than the CPU's: tests and
// benchmarks run every path this CPU can execute that way.
#pragma once

#include <string_view>

#include "core/status.h"

namespace actcache::kernels {

enum class CpuKernelSet { kReference, kAvx2, kAvx512, kAvx512Bf16 };

// The best set this CPU (and the OS's saved register state) supports.
CpuKernelSet DetectCpuKernelSet();

// "reference", "avx2", "avx512" or "avx512bf16".
std::string_view CpuKernelSetName(CpuKernelSet set);

// The set to use: ACTCACHE_KERNELS when set, else DetectCpuKernelSet(). An unknown name, or a
// set this CPU cannot execute, is an InvalidArgument error naming the variable.
Result<CpuKernelSet> SelectCpuKernelSet();

}  // namespace actcache::kernels
