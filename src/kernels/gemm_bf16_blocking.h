// The loop nest around a bf16 GEMM micro-kernel, shared by every kernel set (gemm_bf16.h).
//
// Rows go in blocks of kRowBlock and k pairs in blocks of kPairBlock; for each (row block,
// k block) every panel of the call runs over it, in the kernel's tiles of Kernel::kTileRows rows
// (the rest in one smaller tile). Panels inside the k loop make each slice of x serve all the
// call's panels from L2 (x was streamed from memory once per panel before: 15% slower at
// M = 8192). A tile's fp32 sums go to `partial` between k blocks and come back — storing and
// reloading an fp32 value is exact, so the blocking changes no result.
//
// This header is compiled for the baseline ISA; only Kernel::Tile uses wider instructions.
#pragma once

#include <cstdint>
#include <vector>

#include "core/bf16.h"
#include "kernels/gemm_bf16.h"

namespace actcache::kernels::gemm {

// k pairs per pass over a row block: 128 pairs of a panel are 32 KB, which stay in L1 while
// every tile of the row block uses them.
inline constexpr std::int64_t kPairBlock = 128;
// Rows per block: the block's slice of x for one k block (192 rows × 128 pairs × 4 bytes =
// 96 KB) stays in L2 while every panel of the call uses it, and so do the panels' fp32 partial
// sums (192 × 64 × 4 bytes = 48 KB a panel) between k blocks.
inline constexpr std::int64_t kRowBlock = 192;

// One tile's work: rows × 64 outputs of one panel over k pairs [pair_begin, pair_end). The sums
// start at zero (first) or at `partial`; they end in `partial` or, after the last k block
// (last), rounded to bf16 in out[r · out_stride + c] for c < columns.
struct TileJob {
    const std::uint16_t* x_bits;  // the tile's first row
    std::int64_t x_stride;
    const std::uint16_t* panel;   // [k_pairs][64][2]
    std::int64_t pair_begin, pair_end;
    bool first, last;
    float* partial;               // [rows][64]
    float* out;
    std::int64_t out_stride, columns;
};

// The op's single rounding to bf16, as the scalar kernels do it, for one row of a tile.
inline void StoreRoundedRow(const float* sums, std::int64_t columns, float* out) {
    for (std::int64_t c = 0; c < columns; ++c) out[c] = Bf16ToFloat(RoundToBf16(sums[c]));
}

// Runs Kernel::Tile<rows> for a rest of 1 .. kRows rows.
template <class Kernel, int kRows>
void RestTile(int rows, const TileJob& job) {
    if constexpr (kRows > 0) {
        if (rows == kRows) {
            Kernel::template Tile<kRows>(job);
        } else {
            RestTile<Kernel, kRows - 1>(rows, job);
        }
    }
}

// Kernel: `static constexpr int kTileRows` and `template <int kRows> static void Tile(const TileJob&)`.
template <class Kernel>
void GemmPanels(const std::uint16_t* x_bits, std::int64_t M, const PackedBf16Weight& w, std::int64_t panel_begin,
                std::int64_t panel_end, float* y) {
    constexpr int kTileRows = Kernel::kTileRows;
    const std::int64_t x_stride = 2 * w.k_pairs;
    const std::int64_t panel_count = panel_end - panel_begin;
    std::vector<float> partial(static_cast<std::size_t>(panel_count * kRowBlock * kPanelWidth));
    TileJob job{};
    job.x_stride = x_stride;
    job.out_stride = w.n;
    for (std::int64_t m0 = 0; m0 < M; m0 += kRowBlock) {
        const std::int64_t rows = M - m0 < kRowBlock ? M - m0 : kRowBlock;
        for (std::int64_t j0 = 0; j0 < w.k_pairs; j0 += kPairBlock) {
            job.pair_begin = j0;
            job.pair_end = w.k_pairs - j0 < kPairBlock ? w.k_pairs : j0 + kPairBlock;
            job.first = j0 == 0;
            job.last = job.pair_end == w.k_pairs;
            // Every panel of the call uses this block of x while it is in L2.
            for (std::int64_t panel = panel_begin; panel < panel_end; ++panel) {
                const std::int64_t column0 = panel * kPanelWidth;
                job.panel = w.data.data() + panel * w.k_pairs * 2 * kPanelWidth;
                job.columns = w.n - column0 < kPanelWidth ? w.n - column0 : kPanelWidth;
                float* panel_partial = partial.data() + (panel - panel_begin) * kRowBlock * kPanelWidth;
                for (std::int64_t m = 0; m < rows; m += kTileRows) {
                    job.x_bits = x_bits + (m0 + m) * x_stride;
                    job.partial = panel_partial + m * kPanelWidth;
                    job.out = y + (m0 + m) * w.n + column0;
                    if (rows - m >= kTileRows) {
                        Kernel::template Tile<kTileRows>(job);
                    } else {
                        RestTile<Kernel, kTileRows - 1>(static_cast<int>(rows - m), job);
                    }
                }
            }
        }
    }
}

}  // namespace actcache::kernels::gemm
