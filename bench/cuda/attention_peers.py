#!/usr/bin/env python3
"""PyTorch's fused attention kernels on the shape actcache's flash attention runs in the seed's job,
as peers for bench/cuda/cuda_kernels_bench's row "flash attention (causal GQA, Dh 64)".

Issue #10 asks for our own flash-style attention "or cuDNN's fused attention if it is faster;
measure": this measures cuDNN's (SDPBackend.CUDNN_ATTENTION) next to PyTorch's FlashAttention-2
(FLASH_ATTENTION) and memory-efficient kernel (EFFICIENT_ATTENTION), each alone, on the GPU.

Shape (Llama-3.2-1B, seq_len 4096, batch 16): B 16, 32 query heads, 8 KV heads, T 4096, Dh 64,
bf16, causal, scale 1/8. Grouped-query attention through enable_gqa where this PyTorch has it,
else K and V expanded to 32 heads before timing (the expansion is not timed).
FLOPs as cuda_kernels_bench counts them: 4·B·H·Dh·Σ_t (t+1) = 4·B·H·Dh·T(T+1)/2.
Timing: CUDA events, best of 3 runs of 10 calls after 3 warm-up calls.

    python3 bench/cuda/attention_peers.py [--batch 16] [--seq-len 4096]

Output: a markdown table, then one line per backend for scripts/device-check.sh:
    ROW|kernels|attention peer: <backend>|INFO|<TFLOP/s or why not>
"""
import argparse
import sys


def row(check, result, details):
    print("ROW|kernels|%s|%s|%s" % (check, result, details.replace("|", "/")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seq-len", type=int, default=4096)
    parser.add_argument("--heads", type=int, default=32)
    parser.add_argument("--kv-heads", type=int, default=8)
    parser.add_argument("--head-dim", type=int, default=64)
    args = parser.parse_args()
    try:
        import torch
        from torch.nn.attention import SDPBackend, sdpa_kernel
        import torch.nn.functional as F
    except Exception as error:  # noqa: BLE001 — a row says why, the check goes on
        row("attention peers", "SKIPPED", "no usable torch: %r" % error)
        return 0
    if not torch.cuda.is_available():
        row("attention peers", "SKIPPED", "torch sees no CUDA device")
        return 0

    B, H, Hkv, T, Dh = args.batch, args.heads, args.kv_heads, args.seq_len, args.head_dim
    flops = 4.0 * B * H * Dh * T * (T + 1) / 2
    device = torch.device("cuda")
    generator = torch.Generator(device=device).manual_seed(0)
    q = torch.randn(B, H, T, Dh, device=device, dtype=torch.bfloat16, generator=generator)
    k = torch.randn(B, Hkv, T, Dh, device=device, dtype=torch.bfloat16, generator=generator)
    v = torch.randn(B, Hkv, T, Dh, device=device, dtype=torch.bfloat16, generator=generator)
    k_wide, v_wide = k.repeat_interleave(H // Hkv, dim=1), v.repeat_interleave(H // Hkv, dim=1)

    def attention(gqa):
        if gqa:
            return F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=Dh ** -0.5, enable_gqa=True)
        return F.scaled_dot_product_attention(q, k_wide, v_wide, is_causal=True, scale=Dh ** -0.5)

    def best_ms(call):
        for _ in range(3):
            call()
        best = float("inf")
        for _ in range(3):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(10):
                call()
            end.record()
            torch.cuda.synchronize()
            best = min(best, start.elapsed_time(end) / 10)
        return best

    print("torch %s on %s: B %d, H %d, Hkv %d, T %d, Dh %d, bf16, causal; %.1f GFLOP per call"
          % (torch.__version__, torch.cuda.get_device_name(0), B, H, Hkv, T, Dh, flops / 1e9))
    print()
    print("| backend | GQA | ms | TFLOP/s |")
    print("|---|---|---|---|")
    for name in ("CUDNN_ATTENTION", "FLASH_ATTENTION", "EFFICIENT_ATTENTION"):
        backend = getattr(SDPBackend, name, None)
        if backend is None:
            row("attention peer: " + name, "INFO", "not in this torch")
            continue
        result = None
        for gqa in (True, False):
            try:
                with sdpa_kernel(backend):
                    ms = best_ms(lambda: attention(gqa))
                result = (gqa, ms)
                break
            except Exception as error:  # noqa: BLE001 — try without enable_gqa, then report
                result = error
        if isinstance(result, tuple):
            gqa, ms = result
            tflops = flops / (ms * 1e-3) / 1e12
            print("| %s | %s | %.3f | %.1f |" % (name, "enable_gqa" if gqa else "K/V expanded", ms, tflops))
            row("attention peer: " + name, "INFO", "%.1f TFLOP/s (%.3f ms, %s)"
                % (tflops, ms, "enable_gqa" if gqa else "K/V expanded"))
        else:
            print("| %s | | unavailable | |" % name)
            row("attention peer: " + name, "INFO", "unavailable here: %s" % str(result).splitlines()[0][:150])
        torch.cuda.synchronize()
    return 0


if __name__ == "__main__":
    sys.exit(main())
