#!/usr/bin/env python3
"""Run a command with a throwaway OTLP/HTTP JSON receiver and print the spans
it exported as a tree (name, duration, key attributes). "{otlp}" in the
command's arguments becomes the receiver's URL, e.g.

  python3 scripts/otlp_tree.py build/tools/cli/toolorch run \\
      --config examples/agent.json --otlp-endpoint {otlp} "Research X"

Each line: the span, when it started (ms after its trace's root), how
long it took, key attributes. Siblings of the same name past the first --max-same (default 3) are folded
into one line. A way to look at a trace without a tracing backend; not a
test fixture (tests use tests/support's server)."""
import argparse, http.server, json, subprocess, sys, threading

KEYS = ["gen_ai.request.model", "gen_ai.provider.name", "gen_ai.tool.call.id", "toolorch.tool.status",
        "toolorch.tool.attempt", "toolorch.tool.wait_ms", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
        "toolorch.llm.time_to_first_token_ms", "http.response.status_code", "toolorch.speculation.outcome",
        "toolorch.job.rounds", "toolorch.batch.calls", "error.type"]
spans, lock = [], threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        doc = json.loads(body)
        with lock:
            for rs in doc.get("resourceSpans", []):
                for ss in rs.get("scopeSpans", []):
                    spans.extend(ss.get("spans", []))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def value(v):
    for k in ("stringValue", "boolValue", "doubleValue"):
        if k in v:
            x = v[k]
            return "%g" % x if isinstance(x, float) else str(x).lower() if isinstance(x, bool) else x
    return v.get("intValue", "?")


def line(s, depth, t0):
    ms = (int(s["endTimeUnixNano"]) - int(s["startTimeUnixNano"])) / 1e6
    at = (int(s["startTimeUnixNano"]) - t0) / 1e6
    attrs = {a["key"]: value(a["value"]) for a in s.get("attributes", [])}
    shown = " ".join("%s=%s" % (k.split(".", 1)[1] if k.startswith("gen_ai.") else k, attrs[k])
                     for k in KEYS if k in attrs)
    err = " ERROR" if s.get("status", {}).get("code") == 2 else ""
    return ("%s%-*s +%6.1f %7.1f ms%s  %s" % ("  " * depth, 28 - 2 * depth, s["name"], at, ms, err, shown)).rstrip()


def show(parent, children, depth, max_same, t0=None):
    kids = sorted(children.get(parent, []), key=lambda s: int(s["startTimeUnixNano"]))
    seen = {}
    for s in kids:
        seen[s["name"]] = seen.get(s["name"], 0) + 1
        if seen[s["name"]] <= max_same:
            root = int(s["startTimeUnixNano"]) if t0 is None else t0  # offsets from the trace's root
            print(line(s, depth, root))
            show(s["spanId"], children, depth + 1, max_same, root)
    for name, n in seen.items():
        if n > max_same:
            rest = [s for s in kids if s["name"] == name][max_same:]
            ms = [(int(s["endTimeUnixNano"]) - int(s["startTimeUnixNano"])) / 1e6 for s in rest]
            at = [(int(s["startTimeUnixNano"]) - (t0 or 0)) / 1e6 for s in rest]
            print("%s... %d more %s, started +%.1f..+%.1f, took %.1f..%.1f ms" %
                  ("  " * depth, n - max_same, name, min(at), max(at), min(ms), max(ms)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-same", type=int, default=3)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d" % server.server_address[1]
    rc = subprocess.call([x.replace("{otlp}", url) for x in a.command], stdout=sys.stderr)
    server.shutdown()
    ids = {s["spanId"] for s in spans}
    children = {}
    for s in spans:  # a parent that was not exported (a host's) counts as none
        p = s.get("parentSpanId", "")
        children.setdefault(p if p in ids else "", []).append(s)
    print("%d spans; name, start (ms after the root), duration, attributes" % len(spans))
    show("", children, 0, a.max_same)
    return rc


if __name__ == "__main__":
    sys.exit(main())
