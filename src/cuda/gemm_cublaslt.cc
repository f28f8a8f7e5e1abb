#include "cuda/gemm_cublaslt.h"

#include <string>

#include "core/check.h"
#include "cuda/cuda_status.h"

namespace actcache::cuda {
namespace {

// Enough for every Hopper/Ampere bf16 kernel cuBLASLt offers for these shapes (NVIDIA
// recommends 32 MiB on Hopper).
constexpr std::size_t kWorkspaceBytes = std::size_t{32} << 20;

// The three matrix layouts of one product, destroyed with it.
class Layouts {
public:
    Layouts(std::int64_t M, std::int64_t K, std::int64_t N) {
        status_ = CublasStatus(cublasLtMatrixLayoutCreate(&w_, CUDA_R_16BF, K, N, K), "cublasLtMatrixLayoutCreate (w)");
        if (status_.ok()) status_ = CublasStatus(cublasLtMatrixLayoutCreate(&x_, CUDA_R_16BF, K, M, K), "cublasLtMatrixLayoutCreate (x)");
        if (status_.ok()) status_ = CublasStatus(cublasLtMatrixLayoutCreate(&y_, CUDA_R_16BF, N, M, N), "cublasLtMatrixLayoutCreate (y)");
    }
    ~Layouts() {
        if (w_ != nullptr) cublasLtMatrixLayoutDestroy(w_);
        if (x_ != nullptr) cublasLtMatrixLayoutDestroy(x_);
        if (y_ != nullptr) cublasLtMatrixLayoutDestroy(y_);
    }
    Layouts(const Layouts&) = delete;
    Layouts& operator=(const Layouts&) = delete;

    const Status& status() const { return status_; }
    cublasLtMatrixLayout_t w() const { return w_; }
    cublasLtMatrixLayout_t x() const { return x_; }
    cublasLtMatrixLayout_t y() const { return y_; }

private:
    Status status_;
    cublasLtMatrixLayout_t w_ = nullptr, x_ = nullptr, y_ = nullptr;
};

std::string ShapeName(std::int64_t N, std::int64_t K) {
    return "[" + std::to_string(N) + ", " + std::to_string(K) + "]";
}

}  // namespace

Result<std::unique_ptr<GemmCublasLt>> GemmCublasLt::Create() {
    std::unique_ptr<GemmCublasLt> gemm(new GemmCublasLt());
    ACT_CUBLAS_RETURN_IF_ERROR(cublasLtCreate(&gemm->handle_), "cublasLtCreate");
    ACT_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescCreate(&gemm->operation_, CUBLAS_COMPUTE_32F, CUDA_R_32F),
                               "cublasLtMatmulDescCreate");
    const cublasOperation_t transpose = CUBLAS_OP_T, no_transpose = CUBLAS_OP_N;
    ACT_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescSetAttribute(gemm->operation_, CUBLASLT_MATMUL_DESC_TRANSA,
                                                              &transpose, sizeof(transpose)),
                               "cublasLtMatmulDescSetAttribute (TRANSA)");
    ACT_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulDescSetAttribute(gemm->operation_, CUBLASLT_MATMUL_DESC_TRANSB,
                                                              &no_transpose, sizeof(no_transpose)),
                               "cublasLtMatmulDescSetAttribute (TRANSB)");
    ACT_RETURN_IF_ERROR(gemm->workspace_.Allocate(kWorkspaceBytes, "cuBLASLt workspace"));
    return gemm;
}

GemmCublasLt::~GemmCublasLt() {
    if (operation_ != nullptr) cublasLtMatmulDescDestroy(operation_);
    if (handle_ != nullptr) cublasLtDestroy(handle_);
}

Status GemmCublasLt::Prepare(std::int64_t N, std::int64_t K, std::int64_t max_M) {
    if (algorithms_.count({N, K}) != 0) return Status::Ok();
    Layouts layouts(max_M, K, N);
    ACT_RETURN_IF_ERROR(layouts.status());
    cublasLtMatmulPreference_t preference = nullptr;
    ACT_CUBLAS_RETURN_IF_ERROR(cublasLtMatmulPreferenceCreate(&preference), "cublasLtMatmulPreferenceCreate");
    const std::uint64_t workspace_bytes = kWorkspaceBytes;
    // No split-K: its partial sums would be reduced in an order that depends on the launch.
    const std::uint32_t reduction = CUBLASLT_REDUCTION_SCHEME_NONE;
    cublasStatus_t status = cublasLtMatmulPreferenceSetAttribute(
        preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace_bytes, sizeof(workspace_bytes));
    if (status == CUBLAS_STATUS_SUCCESS) {
        status = cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK,
                                                      &reduction, sizeof(reduction));
    }
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    if (status == CUBLAS_STATUS_SUCCESS) {
        status = cublasLtMatmulAlgoGetHeuristic(handle_, operation_, layouts.w(), layouts.x(), layouts.y(),
                                                layouts.y(), preference, 1, &result, &found);
    }
    cublasLtMatmulPreferenceDestroy(preference);
    ACT_CUBLAS_RETURN_IF_ERROR(status, "cublasLtMatmulAlgoGetHeuristic (weight " + ShapeName(N, K) + ")");
    if (found == 0) {
        return Status::Internal("cuBLASLt offers no bf16 algorithm for weight " + ShapeName(N, K));
    }
    algorithms_[{N, K}] = result.algo;
    return Status::Ok();
}

Status GemmCublasLt::Run(cudaStream_t stream, const std::uint16_t* x, std::int64_t M, std::int64_t K,
                         const std::uint16_t* w, std::int64_t N, std::uint16_t* y) {
    auto algorithm = algorithms_.find({N, K});
    ACT_CHECK(algorithm != algorithms_.end());
    Layouts layouts(M, K, N);
    ACT_RETURN_IF_ERROR(layouts.status());
    const float alpha = 1.0f, beta = 0.0f;
    ACT_CUBLAS_RETURN_IF_ERROR(
        cublasLtMatmul(handle_, operation_, &alpha, w, layouts.w(), x, layouts.x(), &beta, y, layouts.y(), y,
                       layouts.y(), &algorithm->second, workspace_.data(), workspace_.size(), stream),
        "cublasLtMatmul (weight " + ShapeName(N, K) + ", " + std::to_string(M) + " rows)");
    return Status::Ok();
}

std::string GemmCublasLt::Describe(std::int64_t N, std::int64_t K) const {
    auto algorithm = algorithms_.find({N, K});
    if (algorithm == algorithms_.end()) return "not prepared";
    std::string text;
    const std::pair<cublasLtMatmulAlgoConfigAttributes_t, const char*> fields[] = {
        {CUBLASLT_ALGO_CONFIG_ID, "algo"},
        {CUBLASLT_ALGO_CONFIG_TILE_ID, "tile"},
        {CUBLASLT_ALGO_CONFIG_STAGES_ID, "stages"},
        {CUBLASLT_ALGO_CONFIG_SPLITK_NUM, "splitK"}};
    for (const auto& [attribute, name] : fields) {
        std::uint32_t value = 0;  // every field read here is 32-bit (int32/uint32)
        std::size_t written = 0;
        cublasLtMatmulAlgoConfigGetAttribute(&algorithm->second, attribute, &value, sizeof(value), &written);
        text += (text.empty() ? "" : " ") + std::string(name) + " " + std::to_string(value);
    }
    return text;
}

}  // namespace actcache::cuda
