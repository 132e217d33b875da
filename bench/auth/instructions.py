"""Instructions per request of the gateway under callgrind, per target (bench/auth/run with
MODE=callgrind, and the other bench/*/run scripts). Reads {"pid", "out", "requests",
"targets": [{"name", "path", "headers", "method"?, "body"?}]} on stdin (method GET and no body
unless given); for each target it sends a warm-up, zeroes callgrind's counters, sends `requests`
requests on one keep-alive connection, dumps the counters and reads their total (`Ir`, every
thread of the gateway); the gateway listens on 127.0.0.1:$PORT (18084 unless set). Prints one
"name instructions_per_request" line per target. With
PROFILES=DIR in the environment, each target's dump is also copied to DIR/NAME.callgrind, for
callgrind_annotate."""

import glob
import http.client
import json
import os
import shutil
import subprocess
import sys

cfg = json.load(sys.stdin)
pid = str(cfg["pid"])
conn = http.client.HTTPConnection("127.0.0.1", int(os.environ.get("PORT", "18084")), timeout=120)


def send(target):
    body = target.get("body")
    conn.request(target.get("method", "GET"), target["path"],
                 body=body.encode() if body is not None else None, headers=target["headers"])
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(f"{target['name']}: status {r.status}")


def newest_dump():
    dumps = [p for p in glob.glob(cfg["out"] + "*") if os.path.getsize(p) > 0]
    return max(dumps, key=os.path.getmtime)


def newest_total():
    newest = newest_dump()
    with open(newest) as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
    sys.exit(f"no totals in {newest}")


for target in cfg["targets"]:
    for _ in range(50):
        send(target)
    subprocess.run(["callgrind_control", "-z", pid], check=True, capture_output=True)
    for _ in range(cfg["requests"]):
        send(target)
    subprocess.run(["callgrind_control", "-d", pid], check=True, capture_output=True)
    if os.environ.get("PROFILES"):
        os.makedirs(os.environ["PROFILES"], exist_ok=True)
        shutil.copy(newest_dump(), os.path.join(os.environ["PROFILES"], target["name"] + ".callgrind"))
    print(target["name"], newest_total() / cfg["requests"], flush=True)
