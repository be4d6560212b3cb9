#!/usr/bin/env python3
"""A small fault-injecting HTTP proxy in front of moto (or any AWS JSON endpoint), for tests.

It forwards every request to the upstream server unchanged, unless a rule matches, and then it
answers for the upstream:

  fault      what the client sees
  ---------  ------------------------------------------------------------------------------------
  status500  500 with an AWS JSON body {"__type": "InternalFailure", ...}
  throttle   429 with an AWS JSON body {"__type": "ThrottlingException", "message": "Rate exceeded"}
  reset      the connection reset (RST) after the request was read; nothing forwarded
  delay      the answer held for `seconds` (default 30), then forwarded (a client with a shorter
             timeout gives up first; the upstream may still see the request, as with real AWS)

Rules are scoped by AWS target, from the `X-Amz-Target` header that the JSON protocol sends:
`secretsmanager` (secretsmanager.GetSecretValue, ...), `ecs` (AmazonEC2ContainerServiceV20141113.*)
or `*`; optionally by `operation` (the part after the dot, e.g. "DescribeTasks"). The first rule
that matches decides. A rule with `times` applies that many times and then expires.

Rules switch at run time through the proxy's own admin path (never forwarded):

  GET    /__faults   {"rules": [...], "counts": {"ecs": {"forwarded": n, "status500": m, ...}}}
  PUT    /__faults   {"rules": [{"target": "ecs", "fault": "throttle"}, ...]}   (replaces all)
  DELETE /__faults   lifts every fault

Usage: fault_proxy.py --port 20123 --upstream http://127.0.0.1:15000
Standard library only. Prints "fault-proxy listening on <port>" once it accepts connections.
"""
import argparse
import http.client
import json
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ADMIN_PATH = "/__faults"
FAULTS = ("status500", "throttle", "reset", "delay")
TARGET_PREFIXES = {"secretsmanager.": "secretsmanager", "AmazonEC2ContainerServiceV20141113.": "ecs"}


class Rules:
    """The current rules and per-target counters, shared by the handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.counts = {}

    def replace(self, rules):
        for rule in rules:
            if rule.get("fault") not in FAULTS:
                raise ValueError("fault must be one of %s, got %r" % (", ".join(FAULTS), rule.get("fault")))
            if rule.get("target", "*") not in ("*", "secretsmanager", "ecs"):
                raise ValueError("target must be secretsmanager, ecs or *, got %r" % rule.get("target"))
        with self.lock:
            self.rules = [dict(rule) for rule in rules]

    def match(self, target, operation):
        """The fault to apply to one request (or None), counted."""
        with self.lock:
            fault = None
            for rule in self.rules:
                if rule.get("target", "*") not in ("*", target):
                    continue
                if rule.get("operation") not in (None, operation):
                    continue
                if "times" in rule:
                    if rule["times"] <= 0:
                        continue
                    rule["times"] -= 1
                fault = rule
                break
            name = fault["fault"] if fault else "forwarded"
            per_target = self.counts.setdefault(target, {})
            per_target[name] = per_target.get(name, 0) + 1
            return dict(fault) if fault else None

    def snapshot(self):
        with self.lock:
            return {"rules": [dict(rule) for rule in self.rules],
                    "counts": {k: dict(v) for k, v in self.counts.items()}}


def aws_target(header):
    """(target, operation) from an X-Amz-Target header."""
    header = header or ""
    for prefix, name in TARGET_PREFIXES.items():
        if header.startswith(prefix):
            return name, header[len(prefix):]
    return "other", header.rpartition(".")[2]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault-proxy"

    def log_message(self, fmt, *args):  # quiet: tests read the counters instead
        pass

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(self, status, body, content_type="application/x-amz-json-1.1"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _admin(self, body):
        rules = self.server.rules
        if self.command == "PUT":
            try:
                rules.replace(json.loads(body or b"{}").get("rules", []))
            except (ValueError, AttributeError) as error:
                self._reply(400, json.dumps({"error": str(error)}).encode(), "application/json")
                return
        elif self.command == "DELETE":
            rules.replace([])
        elif self.command != "GET":
            self._reply(405, b'{"error": "GET, PUT or DELETE"}', "application/json")
            return
        self._reply(200, json.dumps(rules.snapshot()).encode(), "application/json")

    def _reset(self):
        # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _forward(self, body):
        upstream = self.server.upstream
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=120)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self):
        body = self._body()
        if self.path.split("?")[0] == ADMIN_PATH:
            self._admin(body)
            return
        target, operation = aws_target(self.headers.get("X-Amz-Target"))
        rule = self.server.rules.match(target, operation)
        fault = rule["fault"] if rule else None
        if fault == "status500":
            self._reply(500, json.dumps({"__type": "InternalFailure",
                                         "message": "fault proxy: injected 500"}).encode())
        elif fault == "throttle":
            self._reply(429, json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode())
        elif fault == "reset":
            self._reset()
        else:
            if fault == "delay":
                time.sleep(float(rule.get("seconds", 30)))
            try:
                self._forward(body)
            except (OSError, http.client.HTTPException) as error:
                self._reply(502, json.dumps({"__type": "InternalFailure",
                                             "message": "fault proxy: upstream failed: %s" % error}).encode())

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:15000")
    args = parser.parse_args()
    # A parent's worker thread may have blocked these (libdispatch does), and a blocked mask is inherited.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.rules = Rules()
    server.upstream = urllib.parse.urlsplit(args.upstream)
    print("fault-proxy listening on %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
