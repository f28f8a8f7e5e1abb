"""Oracle: resolves a dataset card's data_files patterns as `datasets` does (data_files.py,
resolve_pattern): each pattern is a glob relative to the repository root in which `*` never
crosses a '/', only files count (hidden ones excepted), a split's files are the sorted union of
its patterns' matches.

Usage: node parse_yaml.mjs README.md | python3 resolve_data_files.py ROOT
Prints {"CONFIG/SPLIT": [path, ...], ...} as JSON.
"""
import glob
import json
import os
import sys

root = sys.argv[1]
card = json.load(sys.stdin)
resolved = {}
for config in card["configs"]:
    for entry in config["data_files"]:
        patterns = entry["path"] if isinstance(entry["path"], list) else [entry["path"]]
        files = set()
        for pattern in patterns:
            for path in glob.glob(pattern, root_dir=root):
                hidden = any(part.startswith(".") for part in path.split("/"))
                if os.path.isfile(os.path.join(root, path)) and not hidden:
                    files.add(path)
        resolved[config["config_name"] + "/" + entry["split"]] = sorted(files)
json.dump(resolved, sys.stdout, sort_keys=True)
