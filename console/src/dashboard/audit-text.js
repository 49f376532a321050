// One audit entry (GET /api/audit) as a sentence a lead reads at a glance:
// "Sue suspended account acme-42 for 30 days: chargeback fraud". Names,
// never ids; times in the reader's zone. Text only: reasons, names and
// shortcuts are people's words.
import { chatLink, dayText, el, when } from "./dom.js";

const DAY_MS = 86400000;

/** The nodes of the sentence; `agentName(id)` names agents the entry does not. */
export function auditSentence(e, agentName) {
  const data = e.data || {};
  const actor = e.actor_name || (e.actor_id ? agentName(e.actor_id) : null);
  const who = actor || "The desk";
  const target = targetNodes(e);
  const agent = (key) => (e.agent_names && e.agent_names[key]) || (data[key] ? agentName(data[key]) : "the queue");
  let words;
  switch (e.action) {
    case "suspend":
      words = [who, " suspended ", ...target, ` ${forDays(e.at, data.until)}`, endedChats(data)];
      break;
    case "ban":
      words = [who, " banned ", ...target, " until a supervisor lifts it", endedChats(data)];
      break;
    case "lift":
      words = [who, " lifted the suspension of ", ...target];
      break;
    case "auto_lift":
      words = ["The suspension of ", ...target, ` ran out${data.until ? ` (${when(data.until)})` : ""}`];
      break;
    case "reassign":
      words = [who, " moved ", ...target, ` from ${agent("from")} to ${agent("to")}`];
      break;
    case "convert":
      words = actor ? [who, " turned ", ...target, ` into ticket ${data.ticket || ""}`]
        : [...capitalized(target), ` became ticket ${data.ticket || ""} at the chat length limit`];
      if (data.department) words.push(` for ${data.department}`);
      break;
    case "closure_add":
      words = [who, " closed the desk on ", ...target];
      break;
    case "closure_remove":
      words = [who, " opened the desk again on ", ...target, data.reason ? ` (it was closed for “${data.reason}”)` : ""];
      break;
    case "survey_exclude":
      words = [who, " left ", ...target, " out of the agents' scores"];
      break;
    case "canned_add":
      words = [who, " added the canned reply ", shortcut(data.shortcut)];
      break;
    case "canned_update":
      words = [who, " changed the canned reply ", shortcut(data.shortcut),
        data.was && data.was !== data.shortcut ? ` (was /${data.was})` : ""];
      break;
    case "canned_remove":
      words = [who, " removed the canned reply ", shortcut(data.shortcut)];
      break;
    case "tag_add": case "tag_update": case "tag_archive": case "tag_restore": {
      const verb = { tag_add: "added", tag_update: "changed", tag_archive: "archived", tag_restore: "restored" }[e.action];
      words = [who, ` ${verb} the tag “${data.name}”`, data.was && data.was !== data.name ? ` (was “${data.was}”)` : ""];
      break;
    }
    case "chat_tag": case "ticket_tag":
      words = [who, ` tagged `, ...target, ` “${data.tag}”`];
      break;
    case "chat_untag": case "ticket_untag":
      words = [who, ` took the tag “${data.tag}” off `, ...target];
      break;
    default:
      words = [who, ` ${String(e.action).replace(/_/g, " ")} `, ...target];
  }
  const reason = e.reason ? [": ", el("span", { class: "audit-reason", "data-sd": "audit-reason" }, e.reason)] : [];
  return [...words.filter((w) => w !== ""), ...reason];
}

/** What the entry acted on, named: an account, a visitor, a chat (a link), a day, a survey. */
function targetNodes(e) {
  const [kind, ...rest] = String(e.target || "").split(":");
  const key = rest.join(":");
  const data = e.data || {};
  if (kind === "account") {
    const [site, ...account] = key.split("/");
    return [el("span", { "data-sd": "audit-target", title: `site ${site}` }, `account ${account.join("/")}`)];
  }
  if (kind === "visitor") return [el("span", { "data-sd": "audit-target" }, visitorText(e.visitor))];
  if (kind === "chat") {
    const link = chatLink(key, `the chat with ${personText(e.visitor)}`);
    link.setAttribute("data-sd", "audit-target");
    return [link];
  }
  if (kind === "closure") return [el("span", { "data-sd": "audit-target" }, dayText(key))];
  if (kind === "survey") {
    const stars = data.rating ? `a ${data.rating}-star survey` : "a survey";
    const link = data.chat_id ? chatLink(data.chat_id, `the chat with ${personText(e.visitor)}`) : null;
    return [el("span", { "data-sd": "audit-target" }, stars, link ? " of " : "", link)];
  }
  return [el("span", { "data-sd": "audit-target" }, e.target || "")];
}

function visitorText(v) {
  if (!v) return "a visitor";
  if (v.name) return v.email ? `visitor ${v.name} (${v.email})` : `visitor ${v.name}`;
  if (v.email) return `visitor ${v.email}`;
  return v.account ? `a visitor of account ${v.account}` : "an anonymous visitor";
}

function personText(v) {
  if (!v) return "a visitor";
  return v.name || v.email || (v.account ? `account ${v.account}` : "an anonymous visitor");
}

function forDays(at, until) {
  if (!until) return "";
  const days = Math.round((Date.parse(until) - Date.parse(at)) / DAY_MS);
  return Number.isFinite(days) && days > 0 ? `for ${days} day${days === 1 ? "" : "s"}` : `until ${when(until)}`;
}

function endedChats(data) {
  const n = Array.isArray(data.chats) ? data.chats.length : 0;
  return n ? ` (${n} open chat${n === 1 ? "" : "s"} ended)` : "";
}

function shortcut(name) {
  return el("code", {}, `/${name || ""}`);
}

/** "the chat with Kim" at the start of a sentence: "The chat with Kim". */
function capitalized(nodes) {
  const [first, ...rest] = nodes;
  if (first && first.firstChild && first.firstChild.nodeType === 3) {
    const text = first.firstChild.textContent;
    first.firstChild.textContent = text.charAt(0).toUpperCase() + text.slice(1);
  }
  return [first, ...rest];
}
