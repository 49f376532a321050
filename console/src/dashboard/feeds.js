// Alerts and surveys as list items. Reasons, comments and names are text.
import { chatLink, duration, el, pill, timeEl } from "./dom.js";

const KINDS = {
  sla_breach: ["SLA breach", "bad"],
  flag: ["Flagged", "warn"],
  repeat_chats: ["Repeat chats", "warn"],
  negative_surveys: ["Negative surveys", "warn"],
};
const SLA = { first_response: "First response", response_gap: "Response gap", duration: "Chat length" };

/** A stable key for an alert: abuse alerts have an id, SLA breaches do not. */
export function alertKey(a) {
  return a.id || `sla:${a.chat_id}:${a.sla}:${a.at}`;
}

/** The <li> of an alert; `agentName(id)` names agents; `onSuspend(target)` for the button. */
export function alertItem(a, { agentName, onSuspend }) {
  const [label, tone] = KINDS[a.kind] || [a.kind, "warn"];
  const chats = a.kind === "sla_breach" ? [a.chat_id] : a.chat_ids || [];
  const body = el("p", { class: "feed-body" });
  if (a.kind === "sla_breach") {
    body.append(`${SLA[a.sla] || a.sla}: ${duration(a.elapsed_s)} (limit ${duration(a.limit_s)})`,
      a.agent_id ? ` · ${agentName(a.agent_id)}` : " · while queued");
  } else if (a.kind === "flag") {
    body.append(`by ${a.agent_id ? agentName(a.agent_id) : "an agent"}: `,
      el("q", { "data-sd": "alert-reason" }, a.reason || ""));
  } else if (a.kind === "repeat_chats") {
    const e = a.evidence || {};
    body.append(`${e.chats ?? chats.length} chats on “${e.topic || "?"}” while ticket ${e.ticket || "?"} is open`);
  } else if (a.kind === "negative_surveys") {
    const e = a.evidence || {};
    body.append(`ratings in a row: ${(e.ratings || []).join(", ")}`);
  } else if (a.reason) {
    body.append(el("q", { "data-sd": "alert-reason" }, a.reason));
  }
  const who = a.account_id ? { account_id: a.account_id } : a.visitor_id ? { visitor_id: a.visitor_id } : null;
  const links = el("p", { class: "feed-links" },
    ...chats.map((id, i) => el("span", {}, chatLink(id, chats.length > 1 ? `Chat ${i + 1}` : "Open the chat"), " ")));
  for (const link of links.querySelectorAll("a")) link.setAttribute("data-sd", "alert-chat");
  const suspend = who && onSuspend
    ? el("button", { type: "button", class: "small danger", "data-sd": "alert-suspend" }, "Suspend…")
    : null;
  if (suspend) suspend.addEventListener("click", () => onSuspend(who));
  return el("li", { class: "feed-item", "data-sd": "alert", "data-kind": a.kind, "data-alert-id": a.id || null,
    "data-tone": tone },
  el("div", { class: "feed-head" }, pill(label, tone), timeEl(a.at)), body, links,
  suspend ? el("div", { class: "actions" }, suspend) : null);
}

/** The <li> of a survey, with an Exclude button while it counts. */
export function surveyItem(s, { onExclude, link = true }) {
  const stars = "★".repeat(s.rating) + "☆".repeat(Math.max(0, 5 - s.rating));
  // Whose score the rating counts for (and an exclusion changes).
  const names = (s.agents || []).map((a) => a.name).filter(Boolean);
  const rated = names.length ? el("span", { class: "muted", "data-sd": "survey-agents" }, ` · ${names.join(", ")}`) : null;
  const head = el("div", { class: "feed-head" },
    el("span", {},
      el("span", { class: "stars", "data-sd": "survey-rating", "data-rating": s.rating, title: `${s.rating} of 5` }, stars),
      rated),
    timeEl(s.created_at));
  const comment = s.comment ? el("p", { class: "feed-body" }, el("q", { "data-sd": "survey-comment" }, s.comment)) : null;
  const links = link ? el("p", { class: "feed-links" }, chatLink(s.chat_id, "Open the chat")) : null;
  let foot;
  if (s.excluded_at || s.excluded_reason) {
    foot = el("p", { class: "muted", "data-sd": "survey-excluded" }, "Excluded: ", s.excluded_reason || "");
  } else if (onExclude) {
    const button = el("button", { type: "button", class: "small", "data-sd": "survey-exclude" }, "Exclude…");
    button.addEventListener("click", () => onExclude(s));
    foot = el("div", { class: "actions" }, button);
  }
  return el("li", { class: "feed-item", "data-sd": "survey", "data-survey-id": s.id,
    "data-tone": s.rating <= 2 ? "bad" : s.rating >= 4 ? "ok" : null }, head, comment, links, foot);
}
