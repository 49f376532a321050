// Alerts and surveys as list items. Reasons, comments and names are text.
import { chatLink, duration, el, pill, timeEl, visitorLink } from "./dom.js";
import { parts, s, sn } from "../strings.js";

// Each alert's tone; its label is "feeds.kind.<kind>" in strings.js.
const KINDS = { sla_breach: "bad", flag: "warn", repeat_chats: "warn", negative_surveys: "warn", ticket_sla: "bad",
  webhook_disabled: "bad" };
const TICKET_SLA = new Set(["response", "resolution", "update"]); // "feeds.ticket_clock.<sla>"
const SLA = new Set(["first_response", "response_gap", "duration"]); // "chatview.clock.<sla>"

/** A stable key for an alert: abuse alerts have an id, SLA breaches do not. */
export function alertKey(a) {
  if (a.kind === "ticket_sla") return `ticket_sla:${a.ticket_id}:${a.sla}:${a.stage}:${a.at}`;
  return a.id || `sla:${a.chat_id}:${a.sla}:${a.at}`;
}

/** The body and link of a ticket's SLA warning or breach: which ticket, which clock, how late, whose. */
function ticketBreach(a, agentName) {
  const vars = { ticket: String(a.number || ""), clock: TICKET_SLA.has(a.sla) ? s(`feeds.ticket_clock.${a.sla}`) : String(a.sla),
    priority: String(a.priority || ""), elapsed: duration(a.elapsed_s), limit: duration(a.limit_s) };
  const body = el("p", { class: "feed-body" },
    s(`feeds.ticket_${a.stage === "warning" ? "warning" : "breach"}${a.agent_id ? "_agent" : ""}`,
      { ...vars, agent: a.agent_id ? agentName(a.agent_id) : "" }));
  const subject = a.subject ? el("p", { class: "feed-body muted", "data-sd": "alert-subject" }, String(a.subject)) : null;
  const link = el("p", { class: "feed-links" }, el("a", { href: `/console#tickets/${encodeURIComponent(a.ticket_id)}`,
    "data-sd": "alert-ticket", "data-ticket-id": a.ticket_id }, s("feeds.open_ticket")));
  return [body, subject, link];
}

/** The <li> of an alert; `agentName(id)` names agents; `onSuspend(target)` for the button. */
export function alertItem(a, { agentName, onSuspend }) {
  const [label, tone] = a.kind in KINDS ? [s(`feeds.kind.${a.kind}`), KINDS[a.kind]] : [a.kind, "warn"];
  if (a.kind === "ticket_sla") {
    const warned = a.stage === "warning";
    return el("li", { class: "feed-item", "data-sd": "alert", "data-kind": a.kind, "data-sla": a.sla, "data-stage": a.stage,
      "data-tone": warned ? "warn" : tone, "data-ticket-id": a.ticket_id },
    el("div", { class: "feed-head" }, pill(warned ? s("feeds.kind.ticket_sla_warning") : label, warned ? "warn" : tone), timeEl(a.at)),
    ...ticketBreach(a, agentName));
  }
  const chats = a.kind === "sla_breach" ? [a.chat_id] : a.chat_ids || [];
  const body = el("p", { class: "feed-body" });
  if (a.kind === "sla_breach") {
    const vars = { clock: SLA.has(a.sla) ? s(`chatview.clock.${a.sla}`) : a.sla, elapsed: duration(a.elapsed_s),
      limit: duration(a.limit_s) };
    body.append(a.agent_id ? s("feeds.breach_agent", { ...vars, agent: agentName(a.agent_id) })
      : s("feeds.breach_queued", vars));
  } else if (a.kind === "flag") {
    body.append(...parts("feeds.flag_by", { agent: a.agent_id ? agentName(a.agent_id) : s("feeds.an_agent"),
      reason: el("q", { "data-sd": "alert-reason" }, a.reason || "") }));
  } else if (a.kind === "repeat_chats") {
    const e = a.evidence || {};
    body.append(sn("feeds.repeat", e.chats ?? chats.length, { topic: e.topic || "?", ticket: e.ticket || "?" }));
  } else if (a.kind === "negative_surveys") {
    const e = a.evidence || {};
    body.append(s("feeds.ratings", { ratings: (e.ratings || []).join(", ") }));
  } else if (a.kind === "webhook_disabled") { // the desk gave up on an endpoint (services/hook_worker.py)
    body.append(s("feeds.webhook_disabled", { url: (a.evidence || {}).url || "?" }), " ",
      el("q", { "data-sd": "alert-reason" }, a.reason || ""));
  } else if (a.reason) {
    body.append(el("q", { "data-sd": "alert-reason" }, a.reason));
  }
  const who = a.account_id ? { account_id: a.account_id } : a.visitor_id ? { visitor_id: a.visitor_id } : null;
  const links = el("p", { class: "feed-links" },
    ...chats.map((id, i) => el("span", {}, chatLink(id, chats.length > 1 ? s("feeds.chat_n", { n: i + 1 }) : s("feeds.open_chat")), " ")));
  for (const link of links.querySelectorAll("a")) link.setAttribute("data-sd", "alert-chat");
  if (a.visitor_id) links.append(visitorLink(a.visitor_id, s("accounts.open_visitor")));
  if (a.kind === "webhook_disabled") {
    links.append(el("a", { href: "/console/dashboard/integrations", "data-sd": "alert-webhooks" }, s("feeds.open_webhooks")));
  }
  const suspend = who && onSuspend
    ? el("button", { type: "button", class: "small danger", "data-sd": "alert-suspend" }, s("feeds.suspend"))
    : null;
  if (suspend) suspend.addEventListener("click", () => onSuspend(who));
  return el("li", { class: "feed-item", "data-sd": "alert", "data-kind": a.kind, "data-alert-id": a.id || null,
    "data-tone": tone },
  el("div", { class: "feed-head" }, pill(label, tone), timeEl(a.at)), body, links,
  suspend ? el("div", { class: "actions" }, suspend) : null);
}

/** The <li> of a survey, with an Exclude button while it counts. */
export function surveyItem(survey, { onExclude, link = true }) {
  const stars = "★".repeat(survey.rating) + "☆".repeat(Math.max(0, 5 - survey.rating));
  // Whose score the rating counts for (and an exclusion changes).
  const names = (survey.agents || []).map((a) => a.name).filter(Boolean);
  const rated = names.length ? el("span", { class: "muted", "data-sd": "survey-agents" }, ` · ${names.join(", ")}`) : null;
  const head = el("div", { class: "feed-head" },
    el("span", {},
      el("span", { class: "stars", "data-sd": "survey-rating", "data-rating": survey.rating,
        title: s("feeds.rating", { rating: survey.rating }) }, stars),
      rated),
    timeEl(survey.created_at));
  const comment = survey.comment ? el("p", { class: "feed-body" }, el("q", { "data-sd": "survey-comment" }, survey.comment)) : null;
  const links = link ? el("p", { class: "feed-links" }, chatLink(survey.chat_id, s("feeds.open_chat"))) : null;
  let foot;
  if (survey.excluded_at || survey.excluded_reason) {
    foot = el("p", { class: "muted", "data-sd": "survey-excluded" },
      ...parts("feeds.excluded", { reason: survey.excluded_reason || "" }));
  } else if (onExclude) {
    const button = el("button", { type: "button", class: "small", "data-sd": "survey-exclude" }, s("feeds.exclude"));
    button.addEventListener("click", () => onExclude(survey));
    foot = el("div", { class: "actions" }, button);
  }
  return el("li", { class: "feed-item", "data-sd": "survey", "data-survey-id": survey.id,
    "data-tone": survey.rating <= 2 ? "bad" : survey.rating >= 4 ? "ok" : null }, head, comment, links, foot);
}
