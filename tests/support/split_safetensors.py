"""Splits DIR/model.safetensors into two shards (model-00001-of-00002.safetensors, ...) plus
model.safetensors.index.json, as transformers' save_pretrained(max_shard_size=...) lays them out,
and removes the single file. Python 3 stdlib only; for tests.

Usage: split_safetensors.py DIR
"""
import json
import os
import struct
import sys


def write_shard(path, tensors, data):
    header = {}
    chunks = []
    offset = 0
    for name, info in tensors:
        begin, end = info["data_offsets"]
        header[name] = {"dtype": info["dtype"], "shape": info["shape"], "data_offsets": [offset, offset + end - begin]}
        chunks.append(data[begin:end])
        offset += end - begin
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # data starts 8-aligned, as the safetensors writer pads
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(chunks))
    return offset


def main():
    folder = sys.argv[1]
    single = os.path.join(folder, "model.safetensors")
    with open(single, "rb") as f:
        blob = f.read()
    (header_size,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + header_size])
    header.pop("__metadata__", None)
    data = blob[8 + header_size:]
    tensors = sorted(header.items(), key=lambda item: item[1]["data_offsets"][0])
    half = len(tensors) // 2
    weight_map = {}
    total = 0
    for number, group in ((1, tensors[:half]), (2, tensors[half:])):
        name = "model-%05d-of-00002.safetensors" % number
        total += write_shard(os.path.join(folder, name), group, data)
        weight_map.update({tensor: name for tensor, _ in group})
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    os.remove(single)


if __name__ == "__main__":
    main()
