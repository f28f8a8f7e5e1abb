"""The Hub model-download emulation of http_test_server.py (--model-repo): read-only model
repositories loaded from local folders at start, answered like the Hugging Face Hub's resolve
endpoint and its CDN (reference/hf-formats-and-hub.md §D.1). Endpoints and options are
documented in http_test_server.py. Only for tests.
"""
import hashlib
import os
import threading
import urllib.parse

args = None     # the server's parsed options (configure)
models = {}     # "org/name" -> {"access": "public"|"private"|"gated", "commit", "files": {path: bytes}}
lfs_objects = {}  # sha256 hex -> bytes, served under /cdn/lfs/
fault_lock = threading.Lock()
fault_count = 0


def git_blob_oid(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def is_lfs(path, data):
    return path.endswith(".safetensors") or len(data) > 10 * 1024 * 1024


def configure(parsed_args):
    """Loads every --model-repo ORG/NAME=PATH[:private|:gated] folder."""
    global args
    args = parsed_args
    for spec in args.model_repo:
        repo_id, _, folder = spec.partition("=")
        access = "public"
        for suffix in (":private", ":gated"):
            if folder.endswith(suffix):
                folder, access = folder[:-len(suffix)], suffix[1:]
        files = {}
        for parent, _, names in os.walk(folder):
            for name in names:
                full = os.path.join(parent, name)
                with open(full, "rb") as f:
                    files[os.path.relpath(full, folder)] = f.read()
        commit = hashlib.sha1()
        for path in sorted(files):
            commit.update(path.encode() + b"\0" + files[path])
            if is_lfs(path, files[path]):
                lfs_objects[hashlib.sha256(files[path]).hexdigest()] = files[path]
        models[repo_id] = {"access": access, "commit": commit.hexdigest(), "files": files}


def served_bytes(path, data):
    """The bytes sent for `path`: with --corrupt-file PATH one byte of it is flipped (the
    headers still announce the true hash)."""
    if path not in args.corrupt_file or not data:
        return data
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]


class ModelMixin:
    """Methods of the server's Handler for model repositories (the Handler provides
    hub_token_ok, send_json and send_error_body)."""

    def model_request(self, method):
        """Answers HEAD/GET of a model resolve URL or of the CDN; False for other paths."""
        path = urllib.parse.urlparse(self.path).path
        if path.startswith("/cdn/lfs/"):
            self.serve_cdn(method, path[len("/cdn/lfs/"):])
            return True
        parts = path.split("/")
        if len(parts) < 6 or parts[3] != "resolve" or parts[1] in ("api", "datasets"):
            return False
        repo_id = parts[1] + "/" + parts[2]
        if repo_id not in models:
            return False
        self.serve_resolve(method, models[repo_id], repo_id, urllib.parse.unquote(parts[4]),
                           urllib.parse.unquote("/".join(parts[5:])))
        return True

    def model_error(self, status, code, message, commit=None):
        headers = [("X-Error-Code", code), ("X-Error-Message", message)]
        if commit:
            headers.append(("X-Repo-Commit", commit))
        if self.command == "HEAD":
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_json(status, {"error": message}, headers)

    def serve_resolve(self, method, repo, repo_id, revision, file_path):
        if repo["access"] == "private" and not self.hub_token_ok():
            return self.model_error(401, "RepoNotFound", "Repository Not Found for url: " + self.path)
        if repo["access"] == "gated" and not self.hub_token_ok():
            return self.model_error(403, "GatedRepo", "Access to model %s is restricted and you are not in "
                                    "the authorized list. Visit https://huggingface.co/%s to ask for access."
                                    % (repo_id, repo_id))
        if revision not in ("main", repo["commit"]):
            return self.model_error(404, "RevisionNotFound", "Invalid rev id: " + revision)
        data = repo["files"].get(file_path)
        if data is None:
            return self.model_error(404, "EntryNotFound", "Entry not found", repo["commit"])
        if is_lfs(file_path, data):
            sha256 = hashlib.sha256(data).hexdigest()
            pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n" % (
                sha256.encode(), len(data))
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:%d/cdn/lfs/%s" % (self.server.server_address[1], sha256))
            self.send_header("X-Repo-Commit", repo["commit"])
            self.send_header("ETag", '"%s"' % git_blob_oid(pointer))
            self.send_header("X-Linked-Etag", '"%s"' % sha256)
            self.send_header("X-Linked-Size", str(len(data)))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("X-Repo-Commit", repo["commit"])
        self.send_header("ETag", '"%s"' % git_blob_oid(data))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if method == "GET":
            self.send_body_with_faults(served_bytes(file_path, data))

    def serve_cdn(self, method, sha256):
        if self.headers.get("authorization"):
            # Like a presigned S3 URL: a second authentication mechanism is refused.
            return self.send_json(400, {"error": "presigned URLs take no authorization header"})
        data = lfs_objects.get(sha256)
        if data is None:
            return self.send_error_body(404)
        path = next(path for repo in models.values() for path, value in repo["files"].items() if value is data)
        body = served_bytes(path, data)
        start = 0
        range_header = self.headers.get("Range")
        if range_header and range_header.startswith("bytes=") and range_header.endswith("-"):
            start = int(range_header[len("bytes="):-1])
        self.send_response(206 if range_header else 200)
        self.send_header("ETag", '"%s"' % sha256)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(body) - start))
        if range_header:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(body) - 1, len(body)))
        self.end_headers()
        if method == "GET":
            self.send_body_with_faults(body[start:])

    def send_body_with_faults(self, body):
        """The first --faults bodies (of requests under --fault-path when given) stop after
        --drop-after bytes with the connection closed."""
        global fault_count
        faulty = False
        if args.drop_after is not None and (not args.fault_path or self.path.startswith(args.fault_path)):
            with fault_lock:
                fault_count += 1
                faulty = fault_count <= args.faults
        self.write_body(body, drop=faulty)
