"""A local HTTP file server for actcache's tests, with faults on request.

Serves files under --root on 127.0.0.1 (port chosen by the OS, written to --port-file) with
ETag, Range ("bytes=N-" and "bytes=N-M") and If-Range. Faults, applied to the first --faults
GET requests (counted over the server's life):
  --drop-after N     send full headers, then N body bytes, then close the connection
  --status S         answer with status S (and Retry-After if --retry-after is given)
  --ignore-range     always answer 200 with the whole file
Each request is appended to --log as "<METHOD> <path> <Range header or ->". POST or PUT to
/echo answers the request's body (faults as for GETs), /redirect-echo is a 307 to /echo;
other POSTs and PUTs are 405.

Hub mode (--hub-repo ORG/NAME): --root holds the dataset repository's files, and the server
answers like the Hugging Face Hub for it:
  GET /api/datasets/ORG/NAME/tree/main?recursive=true   JSON pages of --page-size files with a
                                                        Link: <...>; rel="next" header
  GET /datasets/ORG/NAME/resolve/main/PATH              302 to /cdn/PATH (the file server)
Other repositories and revisions are 404; with --require-token T both need
"authorization: Bearer T" (401 otherwise), as for a private repository.

Hub upload mode (--hub-upload): in-memory dataset repositories, empty at start, written with
the legacy LFS protocol and read back like the Hub (reference/hf-formats-and-hub.md §C, §D):
  POST /api/repos/create                      {"type","name","organization","private"}; 409 exists
  GET  /api/datasets/ORG/NAME[/revision/main]  {"sha": head}; private repos 404 without the token
  POST /api/datasets/ORG/NAME/preupload/main   *.parquet and files > 10 MB lfs, others regular
  POST /datasets/ORG/NAME.git/info/lfs/objects/batch
                                              stored oids get no actions; others a basic PUT
                                              (/lfs-put/OID, header X-Upload-Token) or, above
                                              --multipart-threshold bytes, --chunk-size parts
                                              (/lfs-part/OID/N, completion /lfs-complete/OID);
                                              and a verify action (/lfs-verify/OID)
  POST /api/datasets/ORG/NAME/commit/main     NDJSON; 412 when parentCommit is not the head;
                                              422 for an lfsFile whose object is not stored
  GET  /api/datasets/ORG/NAME/tree/main, /datasets/ORG/NAME/resolve/main/PATH  the pushed files
Writes need "authorization: Bearer <token>" (the --require-token one when given). The first
--commit-conflicts commits find that someone else committed first (the head moves: 412).
--existing-repo ORG/NAME (repeatable) exists (private) at start; --deny-create answers every
create with 403 (a token that may write but not create); --batch-transfer T overrides the LFS
batch answer's "transfer" (e.g. "xet").
--faults N with --status S answers the first N requests of any method with S (0: closes the
connection without an answer); with --fault-path P only requests whose path starts with P count.
Hub model mode (--model-repo ORG/NAME=PATH[:private|:gated], repeatable): read-only model
repositories loaded from local folders at start, one commit each (main or its 40-hex id):
  HEAD/GET /ORG/NAME/resolve/REV/PATH   regular files: 200, ETag = git blob sha1, the bytes;
                                        *.safetensors (and files > 10 MB): 302 to an absolute
                                        /cdn/lfs/SHA256 with X-Linked-Etag = sha256 and
                                        X-Linked-Size; both with X-Repo-Commit. 404 with
                                        X-Error-Code EntryNotFound / RevisionNotFound.
  GET /cdn/lfs/SHA256                   the bytes, honouring "Range: bytes=N-"; 400 when an
                                        authorization header comes along (presigned)
:private repos answer 401 and :gated ones 403 (X-Error-Code GatedRepo) without a token (the
--require-token one when given). --corrupt-file PATH (repeatable) flips one byte of that file
as served; --faults N with --drop-after B cuts the first N bodies (under --fault-path when given)
after B bytes.
Stops on SIGTERM. Only for tests: it binds 127.0.0.1 and serves nothing else.
"""
import argparse
import http.server
import json
import os
import urllib.parse
import signal
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import hub_model_emulation  # noqa: E402  (next to this script)
import hub_upload_emulation  # noqa: E402

args = None
counter_lock = threading.Lock()
request_count = 0


class Handler(hub_model_emulation.ModelMixin, hub_upload_emulation.UploadMixin,
              http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *unused):
        pass

    def take_fault(self):
        """Counts this request (when its path starts with --fault-path); True when it is one of
        the first --faults counted."""
        global request_count
        if args.fault_path and not self.path.startswith(args.fault_path):
            return False
        with counter_lock:
            request_count += 1
            return request_count <= args.faults and args.status is not None

    def answer_fault(self):
        """--status S, or with --status 0 a connection closed without an answer."""
        if args.status == 0:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.send_error_body(args.status)

    def log_request_line(self, method):
        if args.log:
            with open(args.log, "a") as log:
                log.write("%s %s %s\n" % (method, self.path, self.headers.get("Range") or "-"))

    def echo_or_refuse(self):
        """Outside hub upload mode: /echo answers the request body (after the faults), the rest 405."""
        body = self.read_body()
        if self.take_fault():
            self.answer_fault()
        elif self.path == "/redirect-echo":
            self.send_response(307)
            self.send_header("Location", "/echo")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path != "/echo":
            self.send_error_body(405)
        else:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Method", self.command)
            self.end_headers()
            self.wfile.write(body)

    def do_POST(self):
        self.log_request_line("POST")
        if not args.hub_upload:
            self.echo_or_refuse()
            return
        self.upload_request("POST")

    def do_PUT(self):
        self.log_request_line("PUT")
        if not args.hub_upload:
            self.echo_or_refuse()
            return
        self.upload_request("PUT")

    def do_HEAD(self):
        self.log_request_line("HEAD")
        if not (args.model_repo and self.model_request("HEAD")):
            self.send_response(404)  # a HEAD answer carries no body
            self.send_header("Content-Length", "0")
            self.end_headers()

    def do_GET(self):
        self.log_request_line("GET")
        if args.model_repo and self.model_request("GET"):
            return
        if args.hub_upload:
            if self.take_fault():
                self.answer_fault()
            elif not self.upload_get(urllib.parse.urlparse(self.path).path):
                self.send_error_body(404)
            return
        global request_count
        with counter_lock:
            request_count += 1
            faulty = request_count <= args.faults
        range_header = self.headers.get("Range")
        if args.hub_repo and not self.path.startswith("/cdn/"):
            self.serve_hub()
            return
        relative = urllib.parse.unquote(self.path.split("?")[0])
        if relative.startswith("/cdn/"):
            relative = relative[len("/cdn"):]
        path = os.path.join(args.root, relative.lstrip("/"))
        if not os.path.isfile(path):
            self.send_error_body(404)
            return
        if faulty and args.status:
            self.send_error_body(args.status)
            return
        with open(path, "rb") as f:
            data = f.read()
        etag = '"%d-%d"' % (len(data), int(os.path.getmtime(path)))
        start = 0
        partial = False
        if range_header and not args.ignore_range:
            if_range = self.headers.get("If-Range")
            if if_range is None or if_range == etag:
                spec = range_header.split("=", 1)[1]
                first, _, last = spec.partition("-")
                start = int(first)
                end = int(last) + 1 if last else len(data)
                partial = True
        end = len(data) if not partial else end
        body = data[start:end]
        self.send_response(206 if partial else 200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Accept-Ranges", "bytes")
        if partial:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end - 1, len(data)))
        self.end_headers()
        self.write_body(body, drop=faulty and args.drop_after is not None)

    def write_body(self, body, drop):
        """Writes `body`, or (drop) only its first --drop-after bytes and closes the connection."""
        if drop:
            self.wfile.write(body[:args.drop_after])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(body)

    def serve_hub(self):
        if args.require_token and self.headers.get("authorization") != "Bearer " + args.require_token:
            self.send_error_body(401)
            return
        parsed = urllib.parse.urlparse(self.path)
        tree = "/api/datasets/%s/tree/main" % args.hub_repo
        resolve = "/datasets/%s/resolve/main/" % args.hub_repo
        if parsed.path == tree:
            files = []
            for folder, _, names in os.walk(args.root):
                for name in names:
                    full = os.path.join(folder, name)
                    files.append({"type": "file", "oid": "0" * 40, "size": os.path.getsize(full),
                                  "path": os.path.relpath(full, args.root)})
            files.sort(key=lambda item: item["path"])
            query = urllib.parse.parse_qs(parsed.query)
            cursor = int(query.get("cursor", ["0"])[0])
            page = files[cursor:cursor + args.page_size]
            body = json.dumps(page).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if cursor + args.page_size < len(files):
                next_url = "http://127.0.0.1:%d%s?recursive=true&cursor=%d" % (
                    self.server.server_address[1], tree, cursor + args.page_size)
                self.send_header("Link", '<%s>; rel="next"' % next_url)
            self.end_headers()
            self.wfile.write(body)
        elif parsed.path.startswith(resolve):
            self.send_response(302)
            self.send_header("Location", "/cdn/" + parsed.path[len(resolve):])
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_error_body(404)

    def send_error_body(self, status):
        body = b"error"
        self.send_response(status)
        if status in (429, 503) and args.retry_after is not None:
            self.send_header("Retry-After", str(args.retry_after))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    global args
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log")
    parser.add_argument("--faults", type=int, default=0)
    parser.add_argument("--drop-after", type=int)
    parser.add_argument("--status", type=int)
    parser.add_argument("--retry-after", type=int)
    parser.add_argument("--ignore-range", action="store_true")
    parser.add_argument("--hub-repo")
    parser.add_argument("--page-size", type=int, default=2)
    parser.add_argument("--require-token")
    parser.add_argument("--hub-upload", action="store_true")
    parser.add_argument("--chunk-size", type=int, default=1 << 20)
    parser.add_argument("--multipart-threshold", type=int, default=2 << 20)
    parser.add_argument("--commit-conflicts", type=int, default=0)
    parser.add_argument("--fault-path")
    parser.add_argument("--deny-create", action="store_true")
    parser.add_argument("--existing-repo", action="append", default=[])
    parser.add_argument("--batch-transfer")
    parser.add_argument("--model-repo", action="append", default=[])
    parser.add_argument("--corrupt-file", action="append", default=[])
    args = parser.parse_args()
    hub_upload_emulation.configure(args)
    hub_model_emulation.configure(args)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *unused: sys.exit(0))
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
