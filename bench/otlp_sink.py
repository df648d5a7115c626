#!/usr/bin/env python3
"""A throwaway OTLP/HTTP JSON sink for bench/obs_cost.sh: answers 200 to
POST /v1/traces and counts the spans it got. Prints its port, then runs
until killed. Not a test fixture (tests use tests/support's server)."""
import http.server, json, sys


class Sink(http.server.BaseHTTPRequestHandler):
    spans = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            doc = json.loads(body)
            for rs in doc.get("resourceSpans", []):
                for ss in rs.get("scopeSpans", []):
                    Sink.spans += len(ss.get("spans", []))
        except ValueError:
            pass
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
print(server.server_address[1], flush=True)
try:
    server.serve_forever()
finally:
    sys.stderr.write("otlp_sink: %d spans\n" % Sink.spans)
