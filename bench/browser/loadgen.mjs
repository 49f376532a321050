// The browser-like load generator of the Shiftdesk benchmark (protocol v1).
//
// Node's socket.io-client, the client the widget and the console bundle,
// on `ws`: with `perMessageDeflate` it offers "permessage-deflate;
// client_max_window_bits" in the handshake, as every browser does, and
// with a threshold of 0 it compresses every frame it sends once the server
// accepts, as Chrome and Firefox do (socket.io-client's own default skips
// frames under 1 KiB). One process, one event loop.
//
// A scenario, from connect to disconnect:
//   1. agents connect to /agent ({token}) over websocket, as the console
//      does, and set `agent:status available`;
//   2. visitors connect to /visitor ({site}) over `transport` ("websocket",
//      as the widget first tries, or "polling", its fallback behind proxies
//      that block websockets), get `session`, send `chat:start` and wait
//      until the chat is assigned;
//   3. traffic for warmup + duration s, then a drain for late acks:
//      closed  each visitor sends its next `chat:send` once the last is acked;
//      rate    `rate` messages/s in total, each visitor on a fixed schedule;
//      reply   agents answer every visitor message;
//   4. visitors `chat:end`, everybody disconnects.
//
// Usage: node bench/browser/loadgen.mjs '{"url": "http://127.0.0.1:8099", "tokens": ["T"], ...}'
// (keys: see DEFAULTS). Prints two JSON lines on stdout: {"window": [start,
// end]} once the visitors' chats are assigned, then the result. Times are
// CLOCK_MONOTONIC seconds (process.hrtime, the clock of Python's
// time.monotonic), so the caller can sample the server over the same window.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const { io } = createRequire(path.join(root, "package.json"))("socket.io-client");

const DEFAULTS = {
  url: "", agentUrl: "", tokens: [], site: "bench", visitors: 50, mode: "closed", rate: 0,
  duration: 10, warmup: 2, reply: false, transport: "websocket", deflate: true, textBytes: 64,
  startConcurrency: 16, keepAcked: false, tag: "",
};
const ACK_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 20_000;
const DRAIN_S = 10;
const GRACE_S = 0.5;
const MAX_INFLIGHT = 200;

const now = () => Number(process.hrtime.bigint()) / 1e9;
const sleep = (s) => new Promise((resolve) => setTimeout(resolve, Math.max(0, s * 1000)));

function percentile(sorted, q) {
  if (!sorted.length) return null;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))];
}
const ms = (s) => (s === null ? null : Math.round(s * 1e6) / 1e3);

function socketOptions(o, transport, auth) {
  return {
    auth, transports: [transport], reconnection: false, forceNew: true, timeout: CONNECT_TIMEOUT_MS,
    perMessageDeflate: o.deflate ? { threshold: 0 } : false,
  };
}

function once(socket, event, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no ${event}`)), CONNECT_TIMEOUT_MS);
    socket.once(event, (data) => { clearTimeout(timer); resolve(data); });
    socket.once("connect_error", (err) => { clearTimeout(timer); reject(new Error(`${what}: ${err.message}`)); });
  });
}

async function eachLimited(items, limit, work) {
  const results = new Array(items.length);
  let next = 0;
  async function lane() {
    while (next < items.length) {
      const i = next++;
      try { results[i] = { ok: await work(items[i], i) }; } catch (error) { results[i] = { error: String(error) }; }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

class Run {
  constructor(o) {
    this.o = o;
    this.delivered = new Map();   // client_id -> arrival at the agent
    this.duplicates = 0;
    this.assigned = new Map();    // chat id -> chat:assigned at the agent
    this.replies = [];            // agent->visitor arrivals at the visitors
    this.replyAcks = 0;
    this.replyErrors = 0;
    this.sent = [];               // [client_id, chat_id, send_t, ack_t, true | error code]
    this.skipped = 0;
    this.agents = [];
    this.visitors = [];
  }

  async connectAgent(token) {
    const socket = io(`${this.o.agentUrl || this.o.url}/agent`, socketOptions(this.o, "websocket", { token }));
    this.agents.push(socket);
    socket.on("chat:assigned", (data) => {
      const id = data?.chat?.id;
      if (id && !this.assigned.has(id)) this.assigned.set(id, now());
    });
    socket.on("chat:message", (data) => this.onAgentMessage(socket, data));
    await once(socket, "session", "agent");
    const ack = await socket.timeout(CONNECT_TIMEOUT_MS).emitWithAck("agent:status", { status: "available" });
    if (!ack?.ok) throw new Error(`agent:status refused: ${JSON.stringify(ack)}`);
  }

  onAgentMessage(socket, data) {
    const arrived = now();
    if (data?.author !== "visitor" || data.client_id == null) return;
    if (this.delivered.has(data.client_id)) { this.duplicates++; return; }
    this.delivered.set(data.client_id, arrived);
    if (this.o.reply) {
      socket.timeout(ACK_TIMEOUT_MS).emit("chat:send", {
        chat_id: data.chat_id, client_id: "r" + data.client_id, text: "thanks, looking into it",
      }, (err, ack) => { if (!err && ack?.ok) this.replyAcks++; else this.replyErrors++; });
    }
  }

  async openVisitor(name) {
    const socket = io(`${this.o.url}/visitor`, socketOptions(this.o, this.o.transport, { site: this.o.site }));
    const visitor = { socket, name, chatId: null, startT: 0, count: 0, inflight: 0 };
    this.visitors.push(visitor);
    let assigned;
    const gotAssigned = new Promise((resolve) => { assigned = resolve; });
    socket.on("chat:assigned", () => assigned());
    socket.on("chat:message", (data) => { if (data?.author === "agent") this.replies.push(now()); });
    await once(socket, "session", "visitor");
    visitor.startT = now();
    const ack = await socket.timeout(CONNECT_TIMEOUT_MS).emitWithAck("chat:start", { text: `hello from ${name}` });
    if (!ack?.ok) throw new Error(`chat:start refused: ${JSON.stringify(ack)}`);
    visitor.chatId = ack.chat.id;
    if (ack.chat.status !== "active") {
      await Promise.race([gotAssigned, sleep(CONNECT_TIMEOUT_MS / 1000).then(() => {
        throw new Error("chat never assigned");
      })]);
    }
    return visitor;
  }

  send(visitor, text) {
    const clientId = `${this.o.tag}${visitor.name}m${visitor.count++}`;
    const record = [clientId, visitor.chatId, now(), null, null];
    this.sent.push(record);
    visitor.inflight++;
    return new Promise((resolve) => {
      visitor.socket.timeout(ACK_TIMEOUT_MS).emit("chat:send",
        { chat_id: visitor.chatId, client_id: clientId, text }, (err, ack) => {
          record[3] = now();
          record[4] = err ? "no_ack" : ack?.ok === true ? true : (ack?.error?.code ?? "bad_ack");
          visitor.inflight--;
          resolve();
        });
    });
  }

  async closedLoop(visitor, endT, text) {
    while (now() < endT && visitor.socket.connected) await this.send(visitor, text);
  }

  async paced(visitor, startAt, endT, interval, offset, text) {
    let due = startAt + offset;
    while (due < endT) {
      await sleep(due - now());
      if (visitor.inflight >= MAX_INFLIGHT) this.skipped++;
      else this.send(visitor, text);
      due += interval;
    }
  }

  async traffic(startAt, window) {
    const { o } = this;
    const text = "I need help with my order, it has not arrived yet. ".repeat(100).slice(0, o.textBytes);
    const cpu = {};
    const sample = (async () => {
      await sleep(window[0] - now()); cpu.start = process.cpuUsage();
      await sleep(window[1] - now()); cpu.end = process.cpuUsage(cpu.start);
    })();
    await sleep(startAt - now());
    const ready = this.visitors.filter((v) => v.chatId);
    if (o.mode === "closed") {
      await Promise.all(ready.map((v) => this.closedLoop(v, window[1], text)));
    } else {
      const interval = ready.length / o.rate;
      await Promise.all(ready.map((v, i) => this.paced(v, startAt, window[1], interval, interval * i / ready.length, text)));
    }
    await sample;
    const deadline = now() + DRAIN_S;
    while (now() < deadline && this.visitors.some((v) => v.inflight)) await sleep(0.05);
    await sleep(GRACE_S);
    return (cpu.end.user + cpu.end.system) / 1e6;
  }

  measure(window, generatorCpuS) {
    const [lo, hi] = window;
    const duration = hi - lo;
    const inWindow = this.sent.filter((r) => r[2] >= lo && r[2] < hi);
    const latencies = inWindow.filter((r) => this.delivered.has(r[0]))
      .map((r) => this.delivered.get(r[0]) - r[2]).sort((a, b) => a - b);
    const routing = this.visitors.filter((v) => v.chatId && this.assigned.has(v.chatId))
      .map((v) => this.assigned.get(v.chatId) - v.startT).sort((a, b) => a - b);
    const acked = this.sent.filter((r) => r[4] === true);
    const notAcked = {};
    for (const r of this.sent) if (r[4] !== true) notAcked[r[4] ?? "no_ack"] = (notAcked[r[4] ?? "no_ack"] || 0) + 1;
    let deliveredInWindow = 0;
    for (const t of this.delivered.values()) if (t >= lo && t < hi) deliveredInWindow++;
    const round1 = (x) => Math.round(x * 10) / 10;
    return {
      sent: this.sent.length, acked: acked.length, not_acked: notAcked, skipped_ticks: this.skipped,
      delivered: this.delivered.size, duplicate_deliveries: this.duplicates,
      delivered_msg_s: round1(deliveredInWindow / duration),
      acked_msg_s: round1(acked.filter((r) => r[3] >= lo && r[3] < hi).length / duration),
      replies_delivered_msg_s: round1(this.replies.filter((t) => t >= lo && t < hi).length / duration),
      reply_acks: this.replyAcks, reply_errors: this.replyErrors,
      latency_samples: latencies.length, latency_p50_ms: ms(percentile(latencies, 0.5)),
      latency_p99_ms: ms(percentile(latencies, 0.99)), latency_max_ms: ms(latencies.length ? latencies.at(-1) : null),
      acked_undelivered: acked.filter((r) => !this.delivered.has(r[0])).length,
      routing_samples: routing.length, routing_p50_ms: ms(percentile(routing, 0.5)),
      routing_p99_ms: ms(percentile(routing, 0.99)),
      generator_cpu_s: Math.round(generatorCpuS * 1000) / 1000,
      generator_cpu_pct: round1(100 * generatorCpuS / duration),
      inflight_left: this.visitors.reduce((n, v) => n + v.inflight, 0),
      ...(this.o.keepAcked ? { acked_pairs: acked.map((r) => [r[1], r[0]]) } : {}),
    };
  }

  async end() {
    const results = await eachLimited(this.visitors.filter((v) => v.chatId), 64, async (v) => {
      const ack = await v.socket.timeout(ACK_TIMEOUT_MS).emitWithAck("chat:end", { chat_id: v.chatId });
      return ack?.ok === true;
    });
    for (const s of [...this.visitors.map((v) => v.socket), ...this.agents]) s.disconnect();
    return results.filter((r) => r.ok === true).length;
  }
}

async function main() {
  const o = { ...DEFAULTS, ...JSON.parse(process.argv[2] || "{}") };
  if (!o.url || !o.tokens.length || !["closed", "rate"].includes(o.mode) || (o.mode === "rate" && !(o.rate > 0))
      || !["websocket", "polling"].includes(o.transport)) {
    throw new Error("needs url, tokens, mode closed | rate (rate > 0), transport websocket | polling");
  }
  o.tag ||= `b${Date.now() % 1e9}`;
  const run = new Run(o);
  const agents = await eachLimited(o.tokens, 32, (t) => run.connectAgent(t));
  const agentErrors = agents.filter((r) => r.error).map((r) => r.error);
  if (agentErrors.length === agents.length) throw new Error(`no agent could connect: ${agentErrors[0]}`);
  const t0 = now();
  const names = Array.from({ length: o.visitors }, (_, i) => `${o.tag}v${i}`);
  const opened = await eachLimited(names, o.startConcurrency, (n) => run.openVisitor(n));
  const setupS = now() - t0;
  const visitorErrors = opened.filter((r) => r.error).map((r) => r.error);
  const startAt = now() + 0.3;
  const window = [startAt + o.warmup, startAt + o.warmup + o.duration];
  process.stdout.write(JSON.stringify({ window }) + "\n");  // the caller samples the server over it
  const generatorCpuS = await run.traffic(startAt, window);
  const result = run.measure(window, generatorCpuS);
  const ended = await run.end();
  Object.assign(result, {
    mode: o.mode, transport: o.transport, deflate_offered: o.deflate, visitors: o.visitors - visitorErrors.length,
    visitors_failed: visitorErrors.length, visitor_errors: visitorErrors.slice(0, 3),
    agents: agents.length - agentErrors.length, agent_errors: agentErrors.slice(0, 3),
    rate_target: o.mode === "rate" ? o.rate : null, reply: o.reply, duration_s: o.duration, warmup_s: o.warmup,
    setup_s: Math.round(setupS * 100) / 100, chats_ended: ended, window,
    // what the server answered the websocket offer with (the first agent, always on websocket)
    deflate_accepted: deflateAccepted(run),
  });
  // exit only once the pipe has taken it all: a large result is written in parts
  await new Promise((resolve) => process.stdout.write(JSON.stringify(result) + "\n", resolve));
}

function deflateAccepted(run) {
  const transport = run.agents[0]?.io?.engine?.transport;
  const ws = transport?.ws;
  return ws ? ws.extensions.includes("permessage-deflate") : null;
}

main().then(() => process.exit(0), (error) => {
  process.stderr.write(`loadgen.mjs: ${error.stack || error}\n`);
  process.exit(1);
});
