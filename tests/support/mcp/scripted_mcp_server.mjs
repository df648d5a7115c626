// The project's scripted MCP server, for tests that need exact behaviour and
// faults: both protocol revisions, over stdio or Streamable HTTP. No
// dependencies beyond Node itself.
//
//   node scripted_mcp_server.mjs [--http PORT_FILE] [--revisions 2025|2026|both]
//        [--log FILE] [--start-delay-ms N] [--page-size N] [--pid-file FILE]
//
// --http: listen on a free loopback port and write it to PORT_FILE (else stdio).
// --log: append every message received (one JSON line each), and a line
//        {"stream_closed": id} when an HTTP client closes a response stream early.
//
// Tools (arguments in brackets):
//   echo {text}            -> text
//   slow {ms, steps, ignore_cancel}
//                          -> "slow done" after ms, with `steps` progress
//                             notifications; cancelled: no result, unless
//                             ignore_cancel (then it answers anyway: late)
//   fail {}                -> isError result "it failed on purpose"
//   rpc_error {}           -> JSON-RPC error -32000 "scripted error"
//   crash {}               -> writes "boom" to stderr and exits 3 (stdio)
//   garbage {}             -> writes a line that is not JSON (stdio)
//   hang {}                -> never answers
//   add_tool {}            -> adds tool "extra" and notifies tools/list_changed
//   extra {}               -> "extra ran" (only after add_tool)
import fs from "node:fs";
import http from "node:http";
import readline from "node:readline";

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const revisions = opt("--revisions", "both");
const logFile = opt("--log", null);
const pageSize = Number(opt("--page-size", "2"));
const startDelay = Number(opt("--start-delay-ms", "0"));
const httpPortFile = opt("--http", null);
const pidFile = opt("--pid-file", null);
if (pidFile) fs.writeFileSync(pidFile, String(process.pid));

const R2025 = "2025-11-25", R2026 = "2026-07-28";
const speaks = (r) => revisions === "both" || (r === R2025 ? revisions === "2025" : revisions === "2026");
const log = (obj) => { if (logFile) fs.appendFileSync(logFile, JSON.stringify(obj) + "\n"); };

const schema = (props = {}) => ({ type: "object", properties: props });
let tools = [
  { name: "echo", description: "Echo the text back", inputSchema: schema({ text: { type: "string" } }),
    annotations: { readOnlyHint: true } },
  { name: "slow", description: "Take a while, reporting progress", inputSchema: schema({ ms: { type: "number" } }) },
  { name: "fail", description: "Fail with isError", inputSchema: schema() },
  { name: "rpc_error", description: "Answer with a JSON-RPC error", inputSchema: schema() },
  { name: "crash", description: "Exit at once", inputSchema: schema() },
  { name: "garbage", description: "Write a line that is not JSON", inputSchema: schema() },
  { name: "hang", description: "Never answer", inputSchema: schema() },
  { name: "add_tool", description: "Add tool extra", inputSchema: schema() },
];

const text = (t, isError = false) => ({ content: [{ type: "text", text: t }], ...(isError ? { isError: true } : {}) });

// One connection's way back: send(message) and whether a request still waits.
function handle(msg, out) {
  log(msg);
  if (msg.method === undefined) return;  // a response to us: none are expected
  const id = msg.id;
  const isRequest = id !== undefined && id !== null;
  const meta = (msg.params && msg.params._meta) || {};
  const reply = (result) => out.send({ jsonrpc: "2.0", id, result: meta["io.modelcontextprotocol/protocolVersion"] ? { resultType: "complete", ...result } : result });
  const error = (code, message) => out.send({ jsonrpc: "2.0", id, error: { code, message } });
  if (!isRequest) {
    if (msg.method === "notifications/cancelled") out.cancelled.add(msg.params.requestId);
    out.done();
    return;
  }
  switch (msg.method) {
    case "server/discover":
      if (!speaks(R2026)) return error(-32601, "Method not found");
      return reply({ supportedVersions: [R2026], capabilities: { tools: { listChanged: true } },
                     serverInfo: { name: "scripted", version: "1" } });
    case "initialize":
      if (!speaks(R2025)) return error(-32602, "Unsupported protocol version");
      return reply({ protocolVersion: R2025, capabilities: { tools: { listChanged: true } },
                     serverInfo: { name: "scripted", version: "1" } });
    case "tools/list": {
      const start = msg.params && msg.params.cursor ? Number(msg.params.cursor) : 0;
      const page = tools.slice(start, start + pageSize);
      const next = start + pageSize < tools.length ? { nextCursor: String(start + pageSize) } : {};
      return reply({ tools: page, ...next });
    }
    case "tools/call":
      return call(msg.params.name, msg.params.arguments || {}, meta.progressToken, id, reply, error, out);
    default:
      return error(-32601, "Method not found");
  }
}

function call(name, args, token, id, reply, error, out) {
  switch (name) {
    case "echo": return reply(text(String(args.text ?? "")));
    case "fail": return reply(text("it failed on purpose", true));
    case "rpc_error": return error(-32000, "scripted error");
    case "crash":
      process.stderr.write("boom\n");
      setTimeout(() => process.exit(3), 10);
      return;
    case "garbage":
      out.raw("this is not json");
      return;
    case "hang": return;
    case "add_tool":
      if (!tools.find((t) => t.name === "extra")) tools.push({ name: "extra", description: "Added later", inputSchema: schema() });
      out.notify({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      return reply(text("added"));
    case "extra":
      if (!tools.find((t) => t.name === "extra")) return error(-32602, "Unknown tool: extra");
      return reply(text("extra ran"));
    case "slow": {
      const ms = Number(args.ms ?? 200), steps = Number(args.steps ?? 0);
      for (let i = 1; i <= steps; i++) {
        setTimeout(() => {
          if (token !== undefined && !out.cancelled.has(id) && !out.closed())
            out.send({ jsonrpc: "2.0", method: "notifications/progress",
                       params: { progressToken: token, progress: i, total: steps, message: `step ${i}` } }, true);
        }, (ms * i) / (steps + 1));
      }
      setTimeout(() => {
        if ((out.cancelled.has(id) || out.closed()) && !args.ignore_cancel) return out.done();
        reply(text("slow done"));
      }, ms);
      return;
    }
    default: return error(-32602, `Unknown tool: ${name}`);
  }
}

function serveStdio() {
  const cancelled = new Set();
  const write = (line) => process.stdout.write(line + "\n");
  const out = {
    cancelled,
    send: (m) => write(JSON.stringify(m)),
    notify: (m) => write(JSON.stringify(m)),
    raw: (line) => write(line),
    done: () => {},
    closed: () => false,
  };
  const rl = readline.createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    if (!line.trim()) return;
    let msg;
    try { msg = JSON.parse(line); } catch { return; }
    handle(msg, out);
  });
  rl.on("close", () => process.exit(0));
}

function serveHttp() {
  const cancelled = new Set();
  const sessions = new Set();
  const server = http.createServer((req, res) => {
    if (req.method !== "POST") { res.writeHead(405).end(); return; }
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      let msg;
      try { msg = JSON.parse(body); } catch { res.writeHead(400).end("not JSON"); return; }
      const version = req.headers["mcp-protocol-version"];
      const session = req.headers["mcp-session-id"];
      const stateless = version === R2026 || (msg.params && msg.params._meta && msg.params._meta["io.modelcontextprotocol/protocolVersion"]);
      if (!stateless && msg.method !== "initialize" && msg.method !== "server/discover" && !sessions.has(session)) {
        // A 2025 server: everything but initialize needs the session.
        res.writeHead(400, { "Content-Type": "application/json" })
          .end(JSON.stringify({ jsonrpc: "2.0", id: msg.id ?? null, error: { code: -32000, message: "Bad Request: no valid session" } }));
        log(msg);
        return;
      }
      if (msg.method === "server/discover" && !speaks(R2026)) {
        res.writeHead(400, { "Content-Type": "application/json" })
          .end(JSON.stringify({ jsonrpc: "2.0", id: msg.id, error: { code: -32000, message: "Bad Request: Server not initialized" } }));
        log(msg);
        return;
      }
      if (stateless && msg.method !== "server/discover" && req.headers["mcp-method"] !== msg.method) {
        res.writeHead(400).end("Mcp-Method header missing or wrong");
        log(msg);
        return;
      }
      if (msg.id === undefined || msg.id === null) {  // a notification
        res.writeHead(202).end();
        handle(msg, { cancelled, send() {}, notify() {}, raw() {}, done() {}, closed: () => false });
        return;
      }
      let sse = false, finished = false;
      const headers = {};
      if (msg.method === "initialize") {
        const sid = "session-" + Math.random().toString(16).slice(2);
        sessions.add(sid);
        headers["Mcp-Session-Id"] = sid;
      }
      const startSse = () => {
        if (sse) return;
        sse = true;
        res.writeHead(200, { ...headers, "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
      };
      res.on("close", () => {
        if (!finished) { log({ stream_closed: msg.id }); cancelled.add(msg.id); }
      });
      const out = {
        cancelled,
        send: (m, isNotification) => {
          if (finished) return;
          if (isNotification) { startSse(); res.write(`data: ${JSON.stringify(m)}\n\n`); return; }
          finished = true;
          if (sse) { res.write(`data: ${JSON.stringify(m)}\n\n`); res.end(); }
          else res.writeHead(200, { ...headers, "Content-Type": "application/json" }).end(JSON.stringify(m));
        },
        // Notifications ride on this request's own stream (SSE).
        notify: (m) => out.send(m, true),
        raw: (line) => { finished = true; res.writeHead(200, { "Content-Type": "application/json" }).end(line); },
        done: () => { if (!finished) { finished = true; if (!res.writableEnded) res.end(); } },
        closed: () => res.destroyed && !finished,
      };
      handle(msg, out);
    });
  });
  server.listen(0, "127.0.0.1", () => fs.writeFileSync(httpPortFile, String(server.address().port)));
}

setTimeout(() => (httpPortFile ? serveHttp() : serveStdio()), startDelay);
