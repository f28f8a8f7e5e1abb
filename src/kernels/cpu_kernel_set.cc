#include "kernels/cpu_kernel_set.h"

#include <array>
#include <cstdlib>
#include <string>

namespace actcache::kernels {
namespace {

constexpr std::array<CpuKernelSet, 4> kAllSets = {CpuKernelSet::kReference, CpuKernelSet::kAvx2,
                                                   CpuKernelSet::kAvx512, CpuKernelSet::kAvx512Bf16};

}  // namespace

CpuKernelSet DetectCpuKernelSet() {
    // libgcc's cpu model also checks XCR0, so a feature counts only where the OS saves its registers.
    __builtin_cpu_init();
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                        __builtin_cpu_supports("avx512vl");
    if (avx512 && __builtin_cpu_supports("avx512bf16")) return CpuKernelSet::kAvx512Bf16;
    if (avx512) return CpuKernelSet::kAvx512;
    if (avx2) return CpuKernelSet::kAvx2;
    return CpuKernelSet::kReference;
}

std::string_view CpuKernelSetName(CpuKernelSet set) {
    switch (set) {
        case CpuKernelSet::kReference: return "reference";
        case CpuKernelSet::kAvx2: return "avx2";
        case CpuKernelSet::kAvx512: return "avx512";
        case CpuKernelSet::kAvx512Bf16: return "avx512bf16";
    }
    return "?";
}

Result<CpuKernelSet> SelectCpuKernelSet() {
    const CpuKernelSet detected = DetectCpuKernelSet();
    const char* forced = std::getenv("ACTCACHE_KERNELS");
    if (forced == nullptr || *forced == '\0') return detected;
    for (CpuKernelSet set : kAllSets) {
        if (CpuKernelSetName(set) != forced) continue;
        if (set > detected) {
            return Status::InvalidArgument("ACTCACHE_KERNELS=" + std::string(forced) + ": this CPU runs at most '" +
                                           std::string(CpuKernelSetName(detected)) + "'");
        }
        return set;
    }
    return Status::InvalidArgument("ACTCACHE_KERNELS='" + std::string(forced) +
                                   "' is not reference, avx2, avx512 or avx512bf16");
}

}  // namespace actcache::kernels
