"""Oracle: resolves a dataset card's data_files patterns as `datasets` does (data_files.py,
resolve_pattern): each pattern, relative to the repository root, goes to fsspec's glob (the
function `datasets` calls, through HfFileSystem on the Hub and LocalFileSystem here; `*` never
crosses a '/'), and of the matches only files count, minus the names `datasets` ignores and
anything hidden. A split's files are the sorted union of its patterns' matches.

Usage: node parse_yaml.mjs README.md | /usr/bin/python3 resolve_data_files.py ROOT
Prints {"CONFIG/SPLIT": [path relative to ROOT, ...], ...} as JSON.
"""
import json
import os
import sys

from fsspec.implementations.local import LocalFileSystem

# datasets.data_files.FILES_TO_IGNORE
IGNORED_NAMES = {"README.md", "config.json", "dataset_info.json", "dataset_infos.json",
                 "dummy_data.zip", "dataset_dict.json"}

root = os.path.abspath(sys.argv[1])
card = json.load(sys.stdin)
fs = LocalFileSystem()
resolved = {}
for config in card["configs"]:
    for entry in config["data_files"]:
        patterns = entry["path"] if isinstance(entry["path"], list) else [entry["path"]]
        files = set()
        for pattern in patterns:
            for path, info in fs.glob(root + "/" + pattern, detail=True).items():
                relative = os.path.relpath(path, root)
                hidden = any(part.startswith(".") for part in relative.split("/"))
                if info["type"] == "file" and os.path.basename(path) not in IGNORED_NAMES and not hidden:
                    files.add(relative)
        resolved[config["config_name"] + "/" + entry["split"]] = sorted(files)
json.dump(resolved, sys.stdout, sort_keys=True)
