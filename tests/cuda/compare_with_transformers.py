#!/usr/bin/env python3
"""compare_with_transformers: the CUDA backend's bf16 activations against the CPU's and against
Hugging Face transformers, on one model folder (issue #10's correctness check).

For a few seeded random token sequences (BOS first, then ids below the first special id) it gets
the hook's output [T, width] from
  cuda      actcache forward --device cuda            (bf16)
  cpu_bf16  actcache forward --device cpu --dtype bf16
  cpu_f32   actcache forward --device cpu --dtype f32  the reference
  hf_bf16   transformers on cuda, bf16, sdpa, forward hook on model.model.layers[L].mlp
  hf_f32    transformers on cuda, float32, TF32 off    (sanity: our f32 reference = theirs)
and the per-token relative L2 error ‖x − ref‖ / ‖ref‖ of each against cpu_f32, all tokens of all
sequences pooled. PASS when mean(err_cuda) ≤ 1.25 × mean(err_cpu_bf16) and ≤ 1.25 × mean(err_hf_bf16);
the p99 ratios are reported, not asserted. If the CPU f32 run fails, transformers f32 becomes the
reference (said in the output).

Output: free text, plus one line per comparison for scripts/device-check.sh:
  ROW|<label>|<what>|PASS or FAIL or SKIPPED or INFO|<details>
Exit status 0 when every asserted comparison passes, 1 otherwise (2: bad usage).

  python3 tests/cuda/compare_with_transformers.py --model DIR [--layer L] [--actcache BIN]
      [--seqs 3] [--min-len 128] [--max-len 512] [--seed 0] [--label NAME]
      [--no-cuda] [--no-transformers] [--keep DIR]
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RATIO = 1.25          # issue #10: no worse than 1.25x the baseline's mean error
F32_SANITY = 1e-4     # transformers f32 vs actcache f32: mean per-token relative error

rows = []


def row(label, what, status, details):
    line = "ROW|%s|%s|%s|%s" % (label, what, status, details)
    rows.append(status)
    print(line, flush=True)


def log(message):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), message), flush=True)


def special_floor(model):
    """The lowest special-token id (random ids stay below it), and BOS."""
    with open(os.path.join(model, "config.json")) as f:
        cfg = json.load(f)
    bos = cfg.get("bos_token_id")
    ids = []
    path = os.path.join(model, "tokenizer_config.json")
    if os.path.exists(path):
        with open(path) as f:
            tcfg = json.load(f)
        ids = [int(k) for k, v in tcfg.get("added_tokens_decoder", {}).items() if v.get("special", True)]
    for key in ("bos_token_id", "eos_token_id"):
        value = cfg.get(key)
        if isinstance(value, list):
            ids += value
        elif value is not None:
            ids.append(value)
    floor = min(ids + [cfg["vocab_size"]])
    if isinstance(bos, list):
        bos = bos[0]
    return cfg, (bos if bos is not None else floor), floor


def make_sequences(model, count, min_len, max_len, seed):
    cfg, bos, floor = special_floor(model)
    rng = random.Random(seed)
    seqs = []
    for _ in range(count):
        length = rng.randint(min_len, max_len)
        seqs.append([bos] + [rng.randrange(0, floor) for _ in range(length - 1)])
    return cfg, seqs


class Actcache:
    def __init__(self, binary, model, hook, work):
        self.binary, self.model, self.hook, self.work = binary, model, hook, work
        help_text = subprocess.run([binary, "forward", "--help"], capture_output=True, text=True).stdout
        self.has_device = "--device" in help_text
        self.errors = {}

    def forward(self, name, tokens, device, dtype, env=None):
        """The hook's output as float32 [T, width], or None (the error is printed)."""
        out = os.path.join(self.work, "%s.npy" % name)
        command = [self.binary, "forward", "--model", self.model, "--hook", self.hook,
                   "--tokens", ",".join(map(str, tokens)), "--out", out, "--dtype", dtype]
        if self.has_device:
            command += ["--device", device]
        elif device != "cpu":
            print("%s: this actcache's forward has no --device" % name)
            self.errors[name.rsplit("_", 1)[0]] = "this actcache's forward has no --device"
            return None
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, env=env)
        if result.returncode != 0:
            print("%s failed (exit %d): %s\n%s" % (name, result.returncode, " ".join(command[:8]) + " ...",
                                                    (result.stderr or result.stdout)[-2000:]))
            lines = (result.stderr or result.stdout or "exit %d" % result.returncode).strip().splitlines()
            self.errors[name.rsplit("_", 1)[0]] = lines[-1][:200] if lines else "exit %d" % result.returncode
            return None
        array = np.load(out).astype(np.float32)
        log("%s: %s in %.1f s" % (name, "x".join(map(str, array.shape)), time.perf_counter() - start))
        return array


HF_ERRORS = {}


def no_tf32(torch):
    """float32 matmuls in full precision (torch's default; said again). torch >= 2.9 has the
    fp32_precision settings and warns about, or refuses, mixing them with the older allow_tf32."""
    try:
        if hasattr(torch.backends.cuda.matmul, "fp32_precision"):
            torch.backends.cuda.matmul.fp32_precision = "ieee"
            torch.backends.cudnn.conv.fp32_precision = "ieee"
        else:
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
    except Exception as error:  # noqa: BLE001 — defaults are ieee anyway
        print("could not set the fp32 precision: %r" % error)


def transformers_outputs(model, layer, seqs, dtype_name):
    """The hook's output per sequence from transformers on cuda, or None with the reason printed."""
    try:
        import torch
        import transformers
        from transformers import AutoModelForCausalLM
    except Exception as error:  # noqa: BLE001 — any import failure means: skip
        print("transformers unavailable: %r" % error)
        HF_ERRORS["hf_" + dtype_name] = "transformers unavailable: %r" % error
        return None
    if not torch.cuda.is_available():
        print("transformers: no CUDA device")
        HF_ERRORS["hf_" + dtype_name] = "torch sees no CUDA device"
        return None
    dtype = torch.bfloat16 if dtype_name == "bf16" else torch.float32
    if dtype_name == "f32":
        no_tf32(torch)
    start = time.perf_counter()
    version = tuple(int(p) for p in transformers.__version__.split(".")[:2] if p.isdigit())
    kwargs = {"dtype": dtype} if version >= (4, 56) else {"torch_dtype": dtype}
    hf = AutoModelForCausalLM.from_pretrained(model, attn_implementation="sdpa", **kwargs).to("cuda").eval()
    if hf.dtype != dtype:
        sys.exit("transformers loaded %s, not %s" % (hf.dtype, dtype))
    captured = []
    handle = hf.model.layers[layer].mlp.register_forward_hook(lambda _m, _i, o: captured.append(o.detach()))
    outputs = []
    with torch.no_grad():
        for seq in seqs:
            captured.clear()
            hf(input_ids=torch.tensor([seq], device="cuda"), use_cache=False)
            outputs.append(captured[0][0].float().cpu().numpy())
    handle.remove()
    log("transformers %s (%s, torch %s): %d sequences in %.1f s" % (
        dtype_name, transformers.__version__, torch.__version__, len(seqs), time.perf_counter() - start))
    del hf
    torch.cuda.empty_cache()
    return outputs


def errors(outputs, reference):
    """Per-token relative L2 errors over all sequences."""
    per = []
    for x, r in zip(outputs, reference):
        if x.shape != r.shape:
            raise ValueError("shape %s vs reference %s" % (x.shape, r.shape))
        num = np.linalg.norm((x.astype(np.float64) - r.astype(np.float64)), axis=-1)
        den = np.maximum(np.linalg.norm(r.astype(np.float64), axis=-1), 1e-30)
        per.append(num / den)
    return np.concatenate(per)


def stats(err):
    return {"mean": float(err.mean()), "p99": float(np.percentile(err, 99)), "max": float(err.max())}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--layer", type=int, help="hooked layer (default: 8, or the last but one when fewer)")
    parser.add_argument("--actcache", default=os.path.join(ROOT, ".device/bin/actcache")
                        if os.path.exists(os.path.join(ROOT, ".device/bin/actcache"))
                        else os.path.join(ROOT, "build/actcache"))
    parser.add_argument("--seqs", type=int, default=3)
    parser.add_argument("--min-len", type=int, default=128)
    parser.add_argument("--max-len", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--label", help="row label (default: the model folder's name)")
    parser.add_argument("--no-cuda", action="store_true", help="skip actcache --device cuda")
    parser.add_argument("--no-transformers", action="store_true", help="skip the transformers runs")
    parser.add_argument("--stand-in-cpu", action="store_true",
                        help="test this script without a GPU: the 'cuda' column runs on the CPU's reference kernels")
    parser.add_argument("--keep", help="keep the .npy files in this folder")
    args = parser.parse_args()

    label = args.label or os.path.basename(os.path.normpath(args.model))
    cfg, seqs = make_sequences(args.model, args.seqs, args.min_len, args.max_len, args.seed)
    layer = args.layer if args.layer is not None else min(8, cfg["num_hidden_layers"] - 2)
    hook = "model.layers.%d.mlp" % layer
    log("%s: hook %s, %d sequences of %s tokens (seed %d), actcache %s" % (
        label, hook, len(seqs), "/".join(str(len(s)) for s in seqs), args.seed, args.actcache))

    work = args.keep or tempfile.mkdtemp(prefix="compare-")
    os.makedirs(work, exist_ok=True)
    try:
        ours = Actcache(args.actcache, args.model, hook, work)
        results = {}
        runs = [("cpu_f32", "cpu", "f32"), ("cpu_bf16", "cpu", "bf16")]
        if not args.no_cuda:
            runs.insert(0, ("cuda", "cuda", "bf16"))
        for name, device, dtype in runs:
            env = None
            if name == "cuda" and args.stand_in_cpu:
                device, env = "cpu", dict(os.environ, ACTCACHE_KERNELS="reference")
                log("stand-in: the 'cuda' column runs on the CPU (ACTCACHE_KERNELS=reference)")
            outs = [ours.forward("%s_%d" % (name, i), seq, device, dtype, env) for i, seq in enumerate(seqs)]
            results[name] = None if any(o is None for o in outs) else outs
        if not args.no_transformers:
            for dtype_name in ("bf16", "f32"):
                try:
                    results["hf_" + dtype_name] = transformers_outputs(args.model, layer, seqs, dtype_name)
                except Exception as error:  # noqa: BLE001 — report it as a row, keep going
                    print("transformers %s failed: %r" % (dtype_name, error))
                    HF_ERRORS["hf_" + dtype_name] = "failed: %r" % error
                    results["hf_" + dtype_name] = None
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    ref_name = "cpu_f32"
    if results.get("cpu_f32") is None and results.get("hf_f32") is not None:
        ref_name = "hf_f32"
        print("actcache --dtype f32 failed: transformers f32 is the reference instead")
    reference = results.get(ref_name)
    if reference is None:
        row(label, "f32 reference", "FAIL", "neither actcache --dtype f32 nor transformers f32 ran")
        return 1

    err = {}
    for name in ("cuda", "cpu_bf16", "hf_bf16", "hf_f32"):
        if name != ref_name and results.get(name) is not None:
            try:
                err[name] = stats(errors(results[name], reference))
            except ValueError as error:
                print("%s: %s" % (name, error))
    tokens = sum(len(s) for s in seqs)
    print("per-token relative L2 error against %s (%d tokens, %d sequences):" % (ref_name, tokens, len(seqs)))
    for name, s in err.items():
        print("  %-9s mean %.3e  p99 %.3e  max %.3e" % (name, s["mean"], s["p99"], s["max"]))

    def compare(base, what):
        if args.no_cuda:
            row(label, what, "SKIPPED", "--no-cuda")
        elif "cuda" not in err:
            row(label, what, "FAIL", "actcache --device cuda failed: %s" % ours.errors.get("cuda", "see the log"))
        elif base not in err:
            row(label, what, "SKIPPED" if base.startswith("hf") and args.no_transformers else "FAIL",
                "no %s result: %s" % (base, HF_ERRORS.get(base, "see the log")[:200]))
        else:
            c, b = err["cuda"], err[base]
            ratio = c["mean"] / b["mean"] if b["mean"] > 0 else float("inf")
            p99 = c["p99"] / b["p99"] if b["p99"] > 0 else float("inf")
            row(label, what, "PASS" if ratio <= RATIO else "FAIL",
                "mean err %.2e vs %.2e: %.2fx (goal <= %.2fx); p99 %.2fx; max %.2e vs %.2e; %d tokens"
                % (c["mean"], b["mean"], ratio, RATIO, p99, c["max"], b["max"], tokens))

    for name, what in (("cpu_bf16", "CPU bf16 error to f32 (context)"), ("hf_bf16", "transformers bf16 error to f32 (context)")):
        if name in err:
            row(label, what, "INFO", "mean %.2e, p99 %.2e, max %.2e" % (err[name]["mean"], err[name]["p99"], err[name]["max"]))
    compare("cpu_bf16", "cuda bf16 vs CPU bf16, error to f32")
    compare("hf_bf16", "cuda bf16 vs transformers bf16, error to f32")
    if args.no_transformers:
        row(label, "transformers f32 = actcache f32 (sanity)", "SKIPPED", "--no-transformers")
    elif ref_name != "cpu_f32":
        row(label, "transformers f32 = actcache f32 (sanity)", "FAIL", "actcache --dtype f32 failed")
    elif "hf_f32" not in err:
        row(label, "transformers f32 = actcache f32 (sanity)", "FAIL",
            "transformers f32 gave no result: %s" % HF_ERRORS.get("hf_f32", "see the log")[:200])
    else:
        s = err["hf_f32"]
        row(label, "transformers f32 = actcache f32 (sanity)", "PASS" if s["mean"] <= F32_SANITY else "FAIL",
            "mean err %.2e (goal <= %.0e), max %.2e" % (s["mean"], F32_SANITY, s["max"]))
    return 0 if all(status in ("PASS", "SKIPPED", "INFO") for status in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
