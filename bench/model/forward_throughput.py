#!/usr/bin/python3
"""forward_throughput: one table of tokens/s for the seed's job on the Llama-3.2-1B shape.

Rows, in one program run on the same machine:
  actcache run      end to end (read, tokenize, forward through layer 8, Parquet), hook
                    model.layers.8.mlp; "forward" is its forward pass alone (model load and the
                    one-time weight packing excluded), "end to end" is the whole session
  torch seed        PyTorch (Debian's python3-torch) doing what the seed does: bf16, all 16 layers,
                    final norm and lm_head logits, eager attention (softmax in fp32)
  torch layer 8     the same stopped after layer 8
for each thread count. The weights are generated (actcache make-model --preset llama-3.2-1b);
speed does not depend on their values.

FLOPs per token (for GFLOP/s and % of peak): 2 per weight of every matmul run (q, k, v, o, gate,
up, down of each layer; the lm_head for the seed), plus causal attention 4·H·Dh·(T+1)/2 per layer
(QKᵀ and P·V over the visible half). Peak: the bf16 GEMM rate of the 2048 → 8192 shape measured by
bench/kernels/gemm_bench in the same run with the same thread count, with the fastest kernel set
this CPU runs. The kernel rows: each GEMM shape of the layer (gemm_bench, M = 512) and the
attention at T = seq_len (bench/kernels/attention_bench), same set and threads.

  /usr/bin/python3 bench/model/forward_throughput.py [--seq-len 1024] [--threads 1,2]
      [--windows 4] [--peer-windows 1] [--build build] [--data bench-data]
"""
import argparse
import json
import math
import os
import re
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOOK_LAYER = 8


def run_measured(command):
    """Runs `command`; returns (stdout, its peak RSS in MiB).

    The RSS comes from GNU time (`%M`), not from wait4 here: a child forked from this process
    counts this process's resident pages (PyTorch and its weights, after the first peer) until
    it execs, which wait4's ru_maxrss would report as the child's peak."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, stdout=out, stderr=err, text=True)
        out.seek(0)
        err.seek(0)
        errors = err.read()
        if process.returncode != 0:
            sys.exit("failed: %s\n%s" % (" ".join(command), errors))
        return out.read(), int(errors.strip().splitlines()[-1]) / 1024


def flops_per_token(cfg, layers, seq_len, lm_head):
    D, F, H, Hkv = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    Dh = cfg.get("head_dim", D // H)
    weights = D * H * Dh + 2 * D * Hkv * Dh + H * Dh * D + 3 * D * F
    attention = 4 * H * Dh * (seq_len + 1) / 2
    total = layers * (2 * weights + attention)
    if lm_head:
        total += 2 * D * cfg["vocab_size"]
    return total


def kernel_rates(build, program, benchmark_filter):
    """{label: GFLOP/s} of the google-benchmark `program`'s cases that match and ran here."""
    out = subprocess.run([os.path.join(build, "bench/kernels", program), "--benchmark_filter=" + benchmark_filter,
                          "--benchmark_format=json", "--benchmark_min_time=0.5"],
                         check=True, capture_output=True, text=True).stdout
    return {b["label"]: b["GFLOP/s"] for b in json.loads(out)["benchmarks"] if not b.get("error_occurred")}


def best_set_rates(rates):
    """The fastest kernel set's rate for each shape: labels are "<set> <shape>"."""
    best = {}
    for label, rate in rates.items():
        kernel_set, shape = label.split(" ", 1)
        if rate > best.get(shape, (0, ""))[0]:
            best[shape] = (rate, kernel_set)
    return best


def gemm_rates(build, threads):
    """{shape: (GFLOP/s, kernel set)} of the four 1B GEMM shapes at M = 512, best set this CPU runs."""
    return best_set_rates(kernel_rates(build, "gemm_bench", "M:512/threads:%d/set:[123]" % threads))


def attention_rate(build, threads, seq_len):
    """(GFLOP/s, kernel set) of causal GQA attention at the 1B shape and T = seq_len, or None."""
    rates = best_set_rates(kernel_rates(build, "attention_bench", "T:%d/threads:%d/set:[123]" % (seq_len, threads)))
    return next(iter(rates.values()), None)


def ours(build, model, corpus, seq_len, windows, threads):
    with tempfile.TemporaryDirectory() as out:
        # --batch = windows: one forward call of `windows` windows after the warm-up ones.
        stdout, rss = run_measured([os.path.join(build, "actcache"), "run", "--model", model, "--corpus", corpus,
                                    "--seq-len", str(seq_len), "--batch", str(windows), "--threads", str(threads),
                                    "--hook", "model.layers.%d.mlp" % HOOK_LAYER, "--output", out + "/ds",
                                    "--max-tokens", str(windows * seq_len // 2), "--quiet"])
    match = re.search(r"(\d+) tokens through the model in ([\d.]+) s \(.*?; the forward pass alone: ([\d.]+) s", stdout)
    tokens, seconds, forward_seconds = int(match.group(1)), float(match.group(2)), float(match.group(3))
    return tokens / forward_seconds, tokens / seconds, rss


def load_safetensors(path, torch):
    with open(path, "rb") as f:
        header_size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_size))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        assert info["dtype"] == "BF16", name
        raw = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.int16)
        tensors[name] = raw.view(torch.bfloat16).reshape(info["shape"])
    return tensors


def torch_peer(model, cfg, seq_len, windows, threads, stop_after):
    """Tokens/s of a bf16 PyTorch forward over `windows` windows of seq_len random tokens:
    through layer `stop_after`, or (None) the whole model with logits."""
    import torch
    torch.set_num_threads(threads)
    w = load_safetensors(os.path.join(model, "model.safetensors"), torch)
    D, H, Hkv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    Dh = cfg.get("head_dim", D // H)
    eps = cfg["rms_norm_eps"]
    theta = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (theta ** (torch.arange(0, Dh, 2, dtype=torch.float32) / Dh))
    ang = torch.arange(seq_len, dtype=torch.float32)[:, None] * inv[None, :]
    cos = torch.cat([ang, ang], -1).cos().to(torch.bfloat16)
    sin = torch.cat([ang, ang], -1).sin().to(torch.bfloat16)
    mask = torch.full((seq_len, seq_len), float("-inf")).triu(1)
    F = torch.nn.functional

    def rmsnorm(x, weight):
        xf = x.float()
        return weight * (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(torch.bfloat16)

    def rope(x):
        half = Dh // 2
        return x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin

    layers = cfg["num_hidden_layers"] if stop_after is None else stop_after + 1
    ids = torch.randint(0, cfg["vocab_size"], (windows, seq_len))
    start = time.perf_counter()
    with torch.no_grad():
        h = w["model.embed_tokens.weight"][ids]
        for i in range(layers):
            p = "model.layers.%d." % i
            x = rmsnorm(h, w[p + "input_layernorm.weight"])
            q = F.linear(x, w[p + "self_attn.q_proj.weight"]).view(windows, seq_len, H, Dh).transpose(1, 2)
            k = F.linear(x, w[p + "self_attn.k_proj.weight"]).view(windows, seq_len, Hkv, Dh).transpose(1, 2)
            v = F.linear(x, w[p + "self_attn.v_proj.weight"]).view(windows, seq_len, Hkv, Dh).transpose(1, 2)
            q, k = rope(q), rope(k)
            k = k.repeat_interleave(H // Hkv, dim=1)
            v = v.repeat_interleave(H // Hkv, dim=1)
            scores = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(Dh)) + mask.to(torch.bfloat16)
            a = torch.softmax(scores.float(), -1).to(torch.bfloat16) @ v
            h = h + F.linear(a.transpose(1, 2).reshape(windows, seq_len, H * Dh), w[p + "self_attn.o_proj.weight"])
            x = rmsnorm(h, w[p + "post_attention_layernorm.weight"])
            g = F.linear(x, w[p + "mlp.gate_proj.weight"])
            u = F.linear(x, w[p + "mlp.up_proj.weight"])
            h = h + F.linear(F.silu(g) * u, w[p + "mlp.down_proj.weight"])
        if stop_after is None:
            head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
            logits = F.linear(rmsnorm(h, w["model.norm.weight"]), head)
            logits.sum()
    return windows * seq_len / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seq-len", type=int, default=1024)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--windows", type=int, default=4, help="windows per forward call for actcache")
    parser.add_argument("--peer-windows", type=int, default=1, help="windows timed for each PyTorch peer")
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--data", default=os.path.join(ROOT, "bench-data"))
    parser.add_argument("--no-peers", action="store_true")
    args = parser.parse_args()

    model = os.path.join(args.data, "llama-3.2-1b")
    if not os.path.exists(os.path.join(model, "model.safetensors")):
        print("generating the 1B model in %s" % model, file=sys.stderr)
        subprocess.run([os.path.join(args.build, "actcache"), "make-model", "--preset", "llama-3.2-1b", "--seed", "0",
                        "--out", model], check=True, stdout=subprocess.DEVNULL)
    corpus = os.path.join(args.data, "forward-corpus.jsonl")
    if not os.path.exists(corpus):
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools/make_pile_corpus.py"), corpus, "--docs", "300",
                        "--words-max", "3000", "--seed", "1"], check=True)
    with open(os.path.join(model, "config.json")) as f:
        cfg = json.load(f)
    through_8 = flops_per_token(cfg, HOOK_LAYER + 1, args.seq_len, False)
    seed = flops_per_token(cfg, cfg["num_hidden_layers"], args.seq_len, True)

    print("seq_len %d; FLOPs per token: %.3f G through layer %d, %.3f G for the whole model with logits"
          % (args.seq_len, through_8 / 1e9, HOOK_LAYER, seed / 1e9))
    print("| threads | what | tokens/s | GFLOP/s | % of bf16 GEMM peak | vs torch seed | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for threads in [int(t) for t in args.threads.split(",")]:
        gemms = gemm_rates(args.build, threads)
        peak = gemms["K=2048 N=8192"][0]
        attention = attention_rate(args.build, threads, args.seq_len)
        forward_rate, end_to_end_rate, rss = ours(args.build, model, corpus, args.seq_len, args.windows, threads)
        rows = [("actcache forward", forward_rate, through_8, "%.0f MiB" % rss),
                ("actcache run, end to end", end_to_end_rate, through_8, "")]
        if not args.no_peers:
            rows.append(("torch seed (16 layers + logits)",
                         torch_peer(model, cfg, args.seq_len, args.peer_windows, threads, None), seed, ""))
            rows.append(("torch stopped after layer 8",
                         torch_peer(model, cfg, args.seq_len, args.peer_windows, threads, HOOK_LAYER), through_8, ""))
        seed_rate = rows[2][1] if not args.no_peers else None
        print("| %d | bf16 GEMM peak (gemm_bench, 2048→8192, %s) | | %.0f | 100%% | | |" % (
            threads, gemms["K=2048 N=8192"][1], peak))
        for shape, (rate, kernel_set) in sorted(gemms.items()):
            if shape != "K=2048 N=8192":
                print("| %d | bf16 GEMM %s (%s) | | %.0f | %.0f%% | | |" % (threads, shape, kernel_set, rate, 100 * rate / peak))
        if attention:
            print("| %d | attention T=%d, H 32 on 8, Dh 64 (attention_bench, %s) | | %.0f | %.0f%% | | |" % (
                threads, args.seq_len, attention[1], attention[0], 100 * attention[0] / peak))
        for name, rate, flops, memory in rows:
            gflops = rate * flops / 1e9
            print("| %d | %s | %.1f | %.0f | %.0f%% | %s | %s |" % (
                threads, name, rate, gflops, 100 * gflops / peak,
                "%.1f×" % (rate / seed_rate) if seed_rate else "", memory))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
