// The idle-visitor generator of bench/idle.py: browser-like visitors that
// connect, get `session` and then do nothing.
//
// Node's socket.io-client on `ws`, as bench/browser/loadgen.mjs: websocket
// only (the widget's first choice), offering permessage-deflate as every
// browser does (`deflate: false` to not offer it). One process, one event
// loop; the caller raises RLIMIT_NOFILE (one descriptor per visitor).
//
// Driven line by line over stdin/stdout, so that the caller can sample the
// server exactly around each phase:
//   out {"ready": ...}          agents (`tokens`, may be empty) connected to
//                               /agent and available
//   in  "connect N"             N more visitors connect to /visitor ({site}),
//                               at most `concurrency` connecting at a time,
//                               each until its `session` arrives
//   out {"connected": ...}      how many, how long, errors, per-visitor
//                               connect -> session p50/p99, this process's CPU
//   in  "close"                 every visitor disconnects
//   out {"closed": n}
//   in  "exit"                  agents disconnect, the process exits
//
// Usage: node bench/browser/idle.mjs '{"url": "http://127.0.0.1:8099", "site": "bench", ...}'
// (keys: see DEFAULTS). Times are CLOCK_MONOTONIC seconds.
import { createRequire } from "node:module";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const { io } = createRequire(path.join(root, "package.json"))("socket.io-client");

const DEFAULTS = { url: "", site: "bench", tokens: [], concurrency: 64, deflate: true, tag: "" };
const CONNECT_TIMEOUT_MS = 30_000;

const now = () => Number(process.hrtime.bigint()) / 1e9;
const ms = (s) => (s === null ? null : Math.round(s * 1e6) / 1e3);

function percentile(sorted, q) {
  if (!sorted.length) return null;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))];
}

function options(o, auth) {
  return {
    auth, transports: ["websocket"], reconnection: false, forceNew: true, timeout: CONNECT_TIMEOUT_MS,
    perMessageDeflate: o.deflate ? { threshold: 0 } : false,
  };
}

function session(socket, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no session`)), CONNECT_TIMEOUT_MS);
    socket.once("session", (data) => { clearTimeout(timer); resolve(data); });
    socket.once("connect_error", (err) => { clearTimeout(timer); reject(new Error(`${what}: ${err.message}`)); });
    socket.once("disconnect", (reason) => { clearTimeout(timer); reject(new Error(`${what}: disconnected (${reason})`)); });
  });
}

async function eachLimited(count, limit, work) {
  const results = new Array(count);
  let next = 0;
  async function lane() {
    while (next < count) {
      const i = next++;
      try { results[i] = { ok: await work(i) }; } catch (error) { results[i] = { error: String(error) }; }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  return results;
}

const write = (obj) => new Promise((resolve) => process.stdout.write(JSON.stringify(obj) + "\n", resolve));

async function main() {
  const o = { ...DEFAULTS, ...JSON.parse(process.argv[2] || "{}") };
  if (!o.url) throw new Error("needs url");
  const agents = [];
  for (const token of o.tokens) {
    const socket = io(`${o.url}/agent`, options(o, { token }));
    agents.push(socket);
    await session(socket, "agent");
    const ack = await socket.timeout(CONNECT_TIMEOUT_MS).emitWithAck("agent:status", { status: "available" });
    if (!ack?.ok) throw new Error(`agent:status refused: ${JSON.stringify(ack)}`);
  }
  let visitors = [];
  let deflateAccepted = null;
  await write({ ready: true, agents: agents.length });
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [command, arg] = line.trim().split(/\s+/);
    if (command === "connect") {
      const count = Number(arg);
      const cpu0 = process.cpuUsage();
      const t0 = now();
      const times = [];
      const results = await eachLimited(count, o.concurrency, async () => {
        const start = now();
        const socket = io(`${o.url}/visitor`, options(o, { site: o.site }));
        visitors.push(socket);
        const data = await session(socket, "visitor");
        times.push(now() - start);
        deflateAccepted ??= socket.io.engine.transport.ws?.extensions?.includes("permessage-deflate") ?? null;
        return data.online;
      });
      const elapsed = now() - t0;
      const cpu = process.cpuUsage(cpu0);
      times.sort((a, b) => a - b);
      const errors = results.filter((r) => r.error).map((r) => r.error);
      await write({
        connected: count - errors.length, failed: errors.length, errors: errors.slice(0, 3),
        online: results.filter((r) => r.ok === true).length, connect_s: Math.round(elapsed * 1000) / 1000,
        session_p50_ms: ms(percentile(times, 0.5)), session_p99_ms: ms(percentile(times, 0.99)),
        generator_cpu_s: Math.round((cpu.user + cpu.system) / 1e3) / 1e3, deflate_accepted: deflateAccepted,
        generator_rss_mib: Math.round(process.memoryUsage().rss / 2 ** 20 * 10) / 10, window: [t0, t0 + elapsed],
      });
    } else if (command === "close") {
      const closed = visitors.length;
      for (const socket of visitors) socket.disconnect();
      visitors = [];
      await write({ closed });
    } else if (command === "exit") {
      break;
    }
  }
  for (const socket of [...visitors, ...agents]) socket.disconnect();
}

main().then(() => process.exit(0), (error) => {
  process.stderr.write(`idle.mjs: ${error.stack || error}\n`);
  process.exit(1);
});
