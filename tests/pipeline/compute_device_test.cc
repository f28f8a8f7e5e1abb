// --device resolution: what `auto` picks, the CPU's kernel set (ACTCACHE_KERNELS), and the
// one-line refusals of `cuda` where it cannot run (no CUDA in the build, no device, f32).
#include "pipeline/compute_device.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "cuda/cuda_forward.h"
#include "kernels/cpu_kernel_set.h"

namespace actcache::pipeline {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ComputeDevice, CpuIsAlwaysAvailable) {
    auto device = ResolveComputeDevice("cpu", kernels::Precision::kBf16, 2);
    ASSERT_TRUE(device.ok());
    EXPECT_EQ(device->device, ComputeDevice::kCpu);
    EXPECT_THAT(device->description, StartsWith("cpu ("));
    EXPECT_THAT(device->description, HasSubstr("2 threads"));
}

TEST(ComputeDevice, CpuNamesItsKernelSetAndRefusesABadOverride) {
    setenv("ACTCACHE_KERNELS", "reference", 1);
    auto forced = ResolveComputeDevice("cpu", kernels::Precision::kBf16, 1);
    setenv("ACTCACHE_KERNELS", "avx9", 1);
    auto unknown = ResolveComputeDevice("cpu", kernels::Precision::kBf16, 1);
    unsetenv("ACTCACHE_KERNELS");
    ASSERT_TRUE(forced.ok());
    EXPECT_EQ(forced->description, "cpu (reference kernels, 1 thread)");
    ASSERT_FALSE(unknown.ok());
    EXPECT_THAT(unknown.status().message(), StartsWith("ACTCACHE_KERNELS='avx9'"));
    auto detected = ResolveComputeDevice("cpu", kernels::Precision::kBf16, 1);
    ASSERT_TRUE(detected.ok());
    EXPECT_THAT(detected->description,
                HasSubstr(std::string(kernels::CpuKernelSetName(kernels::DetectCpuKernelSet())) + " kernels"));
}

TEST(ComputeDevice, AutoPicksTheGpuOnlyWhenOneIsUsableAndThePrecisionIsBf16) {
    const bool gpu = cuda::ProbeCudaDevice().available;
    auto bf16 = ResolveComputeDevice("auto", kernels::Precision::kBf16, 1);
    ASSERT_TRUE(bf16.ok());
    EXPECT_EQ(bf16->device, gpu ? ComputeDevice::kCuda : ComputeDevice::kCpu);
    auto f32 = ResolveComputeDevice("auto", kernels::Precision::kF32, 1);
    ASSERT_TRUE(f32.ok());
    EXPECT_EQ(f32->device, ComputeDevice::kCpu);
}

TEST(ComputeDevice, CudaWithoutADeviceOrWithF32IsOneClearLine) {
    const cuda::CudaDeviceProbe probe = cuda::ProbeCudaDevice();
    auto device = ResolveComputeDevice("cuda", kernels::Precision::kBf16, 1);
    if (probe.available) {
        ASSERT_TRUE(device.ok());
        EXPECT_THAT(device->description, HasSubstr(probe.description));
    } else {
        ASSERT_FALSE(device.ok());
        EXPECT_EQ(device.status().message(), "--device cuda: " + probe.description);
        EXPECT_EQ(device.status().message().find('\n'), std::string::npos);
    }
    auto f32 = ResolveComputeDevice("cuda", kernels::Precision::kF32, 1);
    ASSERT_FALSE(f32.ok());
    EXPECT_THAT(f32.status().message(), StartsWith("--device cuda"));
}

TEST(ComputeDevice, UnknownNamesAreRefused) {
    auto device = ResolveComputeDevice("gpu", kernels::Precision::kBf16, 1);
    ASSERT_FALSE(device.ok());
    EXPECT_EQ(device.status().message(), "--device: 'gpu' is not cpu, cuda or auto");
}

}  // namespace
}  // namespace actcache::pipeline
