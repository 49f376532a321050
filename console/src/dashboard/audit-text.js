// One audit entry (GET /api/audit) as a sentence a lead reads at a glance:
// "Sue suspended account acme-42 for 30 days: chargeback fraud". Names,
// never ids; times in the reader's zone. Text only: reasons, names and
// shortcuts are people's words. Each sentence is one string of strings.js
// ("audit.*") with its pieces as `{name}` placeholders, so that a language
// puts them in its own order.
import { chatLink, dayText, el, when } from "./dom.js";
import { parts, pluralKey, s } from "../strings.js";

const DAY_MS = 86400000;
const TAG_ACTIONS = new Set(["tag_add", "tag_update", "tag_archive", "tag_restore"]); // "audit.<action>"
const TOPIC_ACTIONS = new Set(["topic_add", "topic_update", "topic_remove"]); // "audit.<action>"
// Webhooks and integration tokens (the integrations page): "audit.<action>"
const INTEGRATION_ACTIONS = new Set(["webhook_add", "webhook_remove", "webhook_enable", "webhook_disable",
  "webhook_redeliver", "integration_token_revoke"]);
// What an agent does on their own account page, on `agent:<id>`: "audit.<action>"
const OWN_ACCOUNT_ACTIONS = new Set(["password_change", "session_end", "token_create", "token_revoke"]);

/** `parts`, with a placeholder's value that is itself a sentence (a list) put in flat. */
function sentence(key, vars) {
  return parts(key, vars).flat();
}

/** The nodes of the sentence; `agentName(id)` names agents the entry does not. */
export function auditSentence(e, agentName) {
  const data = e.data || {};
  const actor = e.actor_name || (e.actor_id ? agentName(e.actor_id) : null);
  const who = actor || s("audit.the_desk");
  const target = targetNode(e);
  let words = sentence(sentenceKey(e, actor), {
    who, target, until: data.until ? when(data.until) : "", ticket: data.ticket || "", department: data.department,
    from: agent(e, agentName, "from"), to: agent(e, agentName, "to"), reason: data.reason, shortcut: shortcut(data.shortcut),
    was: data.was, name: data.name, tag: data.tag, action: String(e.action).replace(/_/g, " "),
    count: suspendedDays(e.at, data.until), key: data.key, hours: data.grace_hours, origin: data.from || "",
    url: data.url, site: data.site,
  });
  if (e.action === "convert" && !actor) words = capitalized(words);
  const ended = Array.isArray(data.chats) ? data.chats.length : 0;
  if ((e.action === "suspend" || e.action === "ban") && ended) {
    words = sentence(pluralKey("audit.chats_ended", ended), { sentence: words, count: ended });
  }
  if (e.reason) {
    words = sentence("audit.with_reason", {
      sentence: words, reason: el("span", { class: "audit-reason", "data-sd": "audit-reason" }, e.reason) });
  }
  return words;
}

/** Which sentence of strings.js tells entry `e`. */
function sentenceKey(e, actor) {
  const data = e.data || {};
  const days = suspendedDays(e.at, data.until);
  switch (e.action) {
    case "suspend":
      if (!data.until) return "audit.suspend";
      return days ? pluralKey("audit.suspend_days", days) : "audit.suspend_until";
    case "ban": return "audit.ban";
    case "lift": return "audit.lift";
    case "auto_lift": return data.until ? "audit.auto_lift_at" : "audit.auto_lift";
    case "reassign": return "audit.reassign";
    case "convert":
      if (actor) return data.department ? "audit.convert_for" : "audit.convert";
      return data.department ? "audit.auto_convert_for" : "audit.auto_convert";
    case "closure_add": return "audit.closure_add";
    case "closure_remove": return data.reason ? "audit.closure_remove_reason" : "audit.closure_remove";
    case "survey_exclude": return "audit.survey_exclude";
    case "canned_add": return "audit.canned_add";
    case "canned_update": return data.was && data.was !== data.shortcut ? "audit.canned_update_was" : "audit.canned_update";
    case "canned_remove": return "audit.canned_remove";
    case "chat_tag": case "ticket_tag": return "audit.tag_on";
    case "chat_untag": case "ticket_untag": return "audit.tag_off";
    case "site_add": return "audit.site_add";
    case "site_update": return "audit.site_update";
    case "site_rotate": return data.grace_hours ? pluralKey("audit.site_rotate_grace", data.grace_hours) : "audit.site_rotate";
    case "ticket_split": return "audit.ticket_split";
    case "ticket_assign":
      if (!data.to) return "audit.ticket_unassign";
      return data.to === e.actor_id ? "audit.ticket_take" : "audit.ticket_assign";
    case "integration_token_add": return data.site ? "audit.integration_token_add_site" : "audit.integration_token_add";
    default:
      if (INTEGRATION_ACTIONS.has(e.action)) return `audit.${e.action}`;
      if (TAG_ACTIONS.has(e.action)) return `audit.${e.action}${data.was && data.was !== data.name ? "_was" : ""}`;
      if (TOPIC_ACTIONS.has(e.action)) return `audit.${e.action}${data.back_to_file ? "_file" : ""}`;
      if (OWN_ACCOUNT_ACTIONS.has(e.action)) return `audit.${e.action}`;
      return "audit.other";
  }
}

/** The agent named by `data[key]` of a reassignment, or the queue. */
function agent(e, agentName, key) {
  const data = e.data || {};
  return (e.agent_names && e.agent_names[key]) || (data[key] ? agentName(data[key]) : s("audit.the_queue"));
}

/** What the entry acted on, named: an account, a visitor, a chat (a link), a day, a survey. */
function targetNode(e) {
  const [kind, ...rest] = String(e.target || "").split(":");
  const key = rest.join(":");
  const data = e.data || {};
  if (kind === "account") {
    const [site, ...account] = key.split("/");
    return el("span", { "data-sd": "audit-target", title: s("audit.site", { site }) },
      s("audit.account", { account: account.join("/") }));
  }
  if (kind === "visitor") return el("span", { "data-sd": "audit-target" }, visitorText(e.visitor));
  if (kind === "chat") {
    const link = chatLink(key, s("audit.chat_with", { person: personText(e.visitor) }));
    link.setAttribute("data-sd", "audit-target");
    return link;
  }
  if (kind === "closure") return el("span", { "data-sd": "audit-target" }, dayText(key));
  if (kind === "topic") return el("code", { "data-sd": "audit-target" }, key);
  if (kind === "survey") {
    const chat = data.chat_id ? chatLink(data.chat_id, s("audit.chat_with", { person: personText(e.visitor) })) : null;
    const vars = { rating: data.rating, chat };
    const words = data.rating ? (chat ? parts("audit.survey_rated_of", vars) : parts("audit.survey_rated", vars))
      : chat ? parts("audit.survey_of", vars) : parts("audit.survey", vars);
    return el("span", { "data-sd": "audit-target" }, ...words);
  }
  return el("span", { "data-sd": "audit-target" }, e.target || "");
}

function visitorText(v) {
  if (!v) return s("audit.a_visitor");
  if (v.name) {
    return v.email ? s("audit.visitor_name_email", { name: v.name, email: v.email }) : s("audit.visitor_name", { name: v.name });
  }
  if (v.email) return s("audit.visitor_email", { email: v.email });
  return v.account ? s("audit.visitor_of_account", { account: v.account }) : s("audit.anonymous_visitor");
}

function personText(v) {
  if (!v) return s("audit.a_visitor");
  return v.name || v.email || (v.account ? s("audit.account", { account: v.account }) : s("audit.anonymous_visitor"));
}

/** Whole days from `at` to `until`, or 0 when there is no such count (then the sentence says until when). */
function suspendedDays(at, until) {
  if (!until) return 0;
  const days = Math.round((Date.parse(until) - Date.parse(at)) / DAY_MS);
  return Number.isFinite(days) && days > 0 ? days : 0;
}

function shortcut(name) {
  return el("code", {}, `/${name || ""}`);
}

/** A sentence that starts with its target ("the chat with Kim became ...")
 * starts with a capital: "The chat with Kim". */
function capitalized(words) {
  const [first, ...rest] = words;
  if (typeof first === "string") return [first.charAt(0).toUpperCase() + first.slice(1), ...rest];
  if (first && first.firstChild && first.firstChild.nodeType === 3) {
    const text = first.firstChild.textContent;
    first.firstChild.textContent = text.charAt(0).toUpperCase() + text.slice(1);
  }
  return words;
}
