"""The Hub upload emulation of http_test_server.py (--hub-upload): in-memory dataset
repositories written through the legacy LFS upload protocol (reference/hf-formats-and-hub.md §C)
and read back through the tree and resolve endpoints. Endpoints and options are documented in
http_test_server.py. Only for tests.
"""
import base64
import hashlib
import json
import threading
import urllib.parse

args = None  # the server's parsed options (configure)


class HubState:
    def __init__(self):
        self.lock = threading.Lock()
        self.repos = {}          # "org/name" -> {"private", "head", "files": {path: bytes}}
        self.lfs = {}            # sha256 hex -> bytes (stored objects)
        self.pending = {}        # sha256 hex -> size announced by a batch call
        self.parts = {}          # sha256 hex -> {part number: (bytes, etag)}
        self.commit_count = 0


hub = HubState()


def git_blob_oid(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def new_commit_id(*pieces):
    digest = hashlib.sha1()
    for piece in pieces:
        digest.update(piece if isinstance(piece, bytes) else piece.encode())
    return digest.hexdigest()


GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"


def configure(parsed_args):
    """Takes the server's options; creates the --existing-repo repositories."""
    global args
    args = parsed_args
    for repo_id in args.existing_repo:
        hub.repos[repo_id] = {"private": True, "files": {".gitattributes": GITATTRIBUTES}, "lfs_paths": set(),
                              "head": new_commit_id("init", repo_id)}


class UploadMixin:
    """Methods of the server's Handler that answer the upload emulation (the Handler provides
    take_fault, answer_fault and send_error_body)."""

    def hub_token_ok(self):
        token = self.headers.get("authorization", "")
        if not token.startswith("Bearer ") or len(token) <= 7:
            return False
        return args.require_token is None or token == "Bearer " + args.require_token

    def send_json(self, status, value, headers=()):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, text in headers:
            self.send_header(name, text)
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length) if length else b""

    def deny(self):
        self.send_json(401, {"error": "Invalid credentials in Authorization header"})

    def visible_repo(self, repo_id):
        """The repo if it exists and the caller may see it, else None."""
        repo = hub.repos.get(repo_id)
        if repo is None or (repo["private"] and not self.hub_token_ok()):
            return None
        return repo

    def upload_get(self, path):
        """GETs of the upload emulation; returns False when the path is not one of them."""
        parts = path.split("/")
        # /api/datasets/ORG/NAME[/revision/REV | /tree/REV]
        if len(parts) >= 5 and parts[1:3] == ["api", "datasets"]:
            repo_id = parts[3] + "/" + parts[4]
            with hub.lock:
                repo = self.visible_repo(repo_id)
                if repo is None:
                    self.send_json(404, {"error": "Repository not found"}, [("X-Error-Code", "RepoNotFound")])
                    return True
                rest = parts[5:]
                if rest and rest[0] in ("revision", "tree") and (len(rest) < 2 or rest[1] != "main"):
                    self.send_json(404, {"error": "Revision not found"}, [("X-Error-Code", "RevisionNotFound")])
                    return True
                if not rest or rest[0] == "revision":
                    self.send_json(200, {"id": repo_id, "sha": repo["head"], "private": repo["private"]})
                    return True
                if rest[0] == "tree":
                    files = []
                    for file_path, data in sorted(repo["files"].items()):
                        item = {"type": "file", "oid": git_blob_oid(data), "size": len(data), "path": file_path}
                        if file_path in repo["lfs_paths"]:
                            item["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data),
                                           "pointerSize": 134}
                        files.append(item)
                    self.send_json(200, files)
                    return True
            return False
        # /datasets/ORG/NAME/resolve/main/PATH
        if len(parts) >= 7 and parts[1] == "datasets" and parts[4] == "resolve":
            repo_id = parts[2] + "/" + parts[3]
            file_path = urllib.parse.unquote("/".join(parts[6:]))
            with hub.lock:
                repo = self.visible_repo(repo_id)
                data = repo["files"].get(file_path) if repo is not None and parts[5] == "main" else None
            if data is None:
                self.send_json(404, {"error": "Entry not found"}, [("X-Error-Code", "EntryNotFound")])
                return True
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("ETag", '"%s"' % hashlib.sha256(data).hexdigest())
            self.end_headers()
            self.wfile.write(data)
            return True
        return False

    def upload_request(self, method):
        """POSTs and PUTs of the upload emulation."""
        path = urllib.parse.urlparse(self.path).path
        body = self.read_body()
        if self.take_fault():
            self.answer_fault()
            return
        parts = path.split("/")
        port = self.server.server_address[1]
        base = "http://127.0.0.1:%d" % port
        if method == "POST" and path == "/api/repos/create":
            if not self.hub_token_ok():
                return self.deny()
            if args.deny_create:
                return self.send_json(403, {"error": "You don't have the rights to create a dataset under this namespace"})
            request = json.loads(body)
            if request.get("type") != "dataset":
                return self.send_json(400, {"error": "type must be dataset here"})
            repo_id = (request.get("organization") or "user") + "/" + request["name"]
            with hub.lock:
                if repo_id in hub.repos:
                    return self.send_json(409, {"error": "You already created this dataset repo"})
                files = {".gitattributes": GITATTRIBUTES}
                hub.repos[repo_id] = {"private": bool(request.get("private", False)), "files": files,
                                      "lfs_paths": set(), "head": new_commit_id("init", repo_id)}
            return self.send_json(200, {"url": base + "/datasets/" + repo_id, "name": repo_id})
        if method == "POST" and len(parts) == 7 and parts[1:3] == ["api", "datasets"] and \
                parts[5] in ("preupload", "commit"):
            repo_id = parts[3] + "/" + parts[4]
            if not self.hub_token_ok():
                return self.deny()
            with hub.lock:
                repo = hub.repos.get(repo_id)
                if repo is None:
                    return self.send_json(404, {"error": "Repository not found"})
                if parts[6] != "main":
                    return self.send_json(404, {"error": "Revision not found"})
                if parts[5] == "preupload":
                    return self.preupload(repo, json.loads(body))
                return self.commit(repo, body)
        if method == "POST" and path.startswith("/datasets/") and path.endswith(".git/info/lfs/objects/batch"):
            if not self.hub_token_ok():
                return self.deny()
            if self.headers.get("Accept") != "application/vnd.git-lfs+json":
                return self.send_json(406, {"message": "Accept must be application/vnd.git-lfs+json"})
            return self.lfs_batch(json.loads(body), base)
        if method == "PUT" and path.startswith("/lfs-put/"):
            if self.headers.get("authorization"):
                return self.send_json(400, {"error": "presigned URLs take no authorization header"})
            if self.headers.get("X-Upload-Token") != "presigned":
                return self.send_json(403, {"error": "missing the action's header"})
            return self.store_object(parts[2], body)
        if method == "PUT" and path.startswith("/lfs-part/"):
            oid, number = parts[2], int(parts[3])
            etag = '"%s"' % hashlib.md5(body).hexdigest()
            with hub.lock:
                hub.parts.setdefault(oid, {})[number] = (body, etag)
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if method == "POST" and path.startswith("/lfs-complete/"):
            request = json.loads(body)
            oid = parts[2]
            with hub.lock:
                stored = hub.parts.get(oid, {})
                numbers = [part["partNumber"] for part in request["parts"]]
                if request["oid"] != oid or numbers != sorted(stored) or any(
                        stored[part["partNumber"]][1] != part["etag"] for part in request["parts"]):
                    return self.send_json(400, {"error": "parts or ETags do not match"})
                data = b"".join(stored[number][0] for number in numbers)
            return self.store_object(oid, data)
        if method == "POST" and path.startswith("/lfs-verify/"):
            if not self.hub_token_ok():
                return self.deny()
            request = json.loads(body)
            with hub.lock:
                data = hub.lfs.get(request["oid"])
            if data is None or len(data) != request["size"]:
                return self.send_json(404, {"error": "object not stored"})
            return self.send_json(200, {"ok": True})
        self.send_error_body(404)

    def preupload(self, repo, request):
        answers = []
        for item in request["files"]:
            lfs = item["size"] > 10 * 1024 * 1024 or item["path"].endswith(".parquet")
            base64.b64decode(item["sample"], validate=True)
            current = repo["files"].get(item["path"])
            oid = None
            if current is not None:
                oid = hashlib.sha256(current).hexdigest() if item["path"] in repo["lfs_paths"] else git_blob_oid(current)
            answers.append({"path": item["path"], "uploadMode": "lfs" if lfs else "regular",
                            "shouldIgnore": item["path"].startswith(".git/"), "oid": oid})
        return self.send_json(200, {"files": answers})

    def lfs_batch(self, request, base):
        if request.get("operation") != "upload" or "basic" not in request.get("transfers", []):
            return self.send_json(422, {"message": "upload with basic transfer expected"})
        objects = []
        multipart = False
        with hub.lock:
            for item in request["objects"]:
                oid, size = item["oid"], item["size"]
                if oid in hub.lfs:
                    objects.append({"oid": oid, "size": size})
                    continue
                hub.pending[oid] = size
                verify = {"href": base + "/lfs-verify/" + oid, "header": {}}
                if size > args.multipart_threshold and "multipart" in request["transfers"]:
                    multipart = True
                    count = (size + args.chunk_size - 1) // args.chunk_size
                    header = {"chunk_size": str(args.chunk_size)}
                    for number in range(1, count + 1):
                        header["%05d" % number] = base + "/lfs-part/%s/%d?X-Signature=sig" % (oid, number)
                    upload = {"href": base + "/lfs-complete/" + oid, "header": header}
                else:
                    upload = {"href": base + "/lfs-put/" + oid + "?X-Signature=sig",
                              "header": {"X-Upload-Token": "presigned"}}
                objects.append({"oid": oid, "size": size, "authenticated": True,
                                "actions": {"upload": upload, "verify": verify}})
        transfer = args.batch_transfer or ("multipart" if multipart else "basic")
        return self.send_json(200, {"transfer": transfer, "objects": objects})

    def store_object(self, oid, data):
        with hub.lock:
            size = hub.pending.get(oid)
            if size is None or size != len(data) or hashlib.sha256(data).hexdigest() != oid:
                return self.send_json(400, {"error": "content does not match the announced oid and size"})
            hub.lfs[oid] = data
        self.send_response(200)
        self.send_header("ETag", '"%s"' % oid)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def commit(self, repo, body):
        if self.headers.get("Content-Type") != "application/x-ndjson":
            return self.send_json(400, {"error": "Content-Type must be application/x-ndjson"})
        lines = [json.loads(line) for line in body.decode().split("\n") if line]
        if not lines or lines[0]["key"] != "header":
            return self.send_json(400, {"error": "the first line must be the header"})
        hub.commit_count += 1
        if hub.commit_count <= args.commit_conflicts:
            # Someone else commits first: the head moves and this commit's parent is stale.
            repo["head"] = new_commit_id(repo["head"], "intervening")
        parent = lines[0]["value"].get("parentCommit")
        if parent is not None and parent != repo["head"]:
            return self.send_json(412, {"error": "A commit has happened since. Please refresh and try again."})
        files = dict(repo["files"])
        lfs_paths = set(repo["lfs_paths"])
        for line in lines[1:]:
            value = line["value"]
            if line["key"] == "lfsFile":
                data = hub.lfs.get(value["oid"])
                if value.get("algo") != "sha256" or data is None or len(data) != value["size"]:
                    return self.send_json(422, {"error": "LFS object %s was not uploaded" % value["oid"]})
                files[value["path"]] = data
                lfs_paths.add(value["path"])
            elif line["key"] == "file":
                if value.get("encoding") != "base64":
                    return self.send_json(400, {"error": "encoding must be base64"})
                files[value["path"]] = base64.b64decode(value["content"], validate=True)
                lfs_paths.discard(value["path"])
            else:
                return self.send_json(400, {"error": "unknown key " + line["key"]})
        repo["files"] = files
        repo["lfs_paths"] = lfs_paths
        repo["head"] = new_commit_id(repo["head"], body)
        return self.send_json(200, {"commitOid": repo["head"], "commitUrl": "/commit/" + repo["head"]})
