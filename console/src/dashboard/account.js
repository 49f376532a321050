// One account or one visitor whole (/console/dashboard/accounts/{site}/{id},
// /console/dashboard/visitors/{id}), read in one call (GET /api/accounts/...
// or GET /api/visitors/{id}): who, what holds them now, their suspensions
// (who, why, until, lifted), chats, tickets, surveys and alerts; the lead
// suspends, bans and lifts from here through the dashboard's own dialogs
// (actions.js, over the socket, audited there).
import { $, accountLink, chatLink, el, fill, pill, show, timeEl, visitorLink, when } from "./dom.js";
import { alertItem, surveyItem } from "./feeds.js";
import { describeHold, describeVisitor } from "./who.js";
import { s } from "../strings.js";

const ENDED = new Set(["visitor", "agent", "converted", "abandoned", "suspended"]); // "chatview.ended.<reason>"
const LISTS = ["visitors", "chats", "tickets", "surveys", "alerts", "suspensions"];

export class AccountView {
  constructor(app) {
    this.app = app;
    const box = $(app.root, "account-view");
    const data = box.dataset;
    this.target = data.accountId ? { account_id: data.accountId, site: data.site } : { visitor_id: data.visitorId };
    this.path = data.accountId ? `/api/accounts/${encodeURIComponent(data.site)}/${encodeURIComponent(data.accountId)}`
      : `/api/visitors/${encodeURIComponent(data.visitorId)}`;
    this.error = $(app.root, "account-error");
    for (const name of ["title", "facts", "held", "actions", "visitors", "suspensions", "tickets", "alerts"]) {
      this[name] = $(app.root, `account-${name}`);
    }
    this.chatRows = $(app.root, "account-chats").querySelector("tbody");
    this.surveys = $(app.root, "surveys");
    app.loadAgents().then(() => this.data && this.showAlerts(this.data.alerts));
    // back from a lost connection: read again (another lead, or the timer, may have acted meanwhile)
    let connected = false;
    app.socket.on("connect", () => {
      if (connected) this.load();
      connected = true;
    });
    // an alert or a survey about them while the lead looks: read again
    app.socket.on("alert", (a) => a && this.concerns(a.visitor_id, a.account_id) && this.load());
    app.socket.on("survey", (x) => x && this.data && this.data.chats.some((c) => c.id === x.chat_id) && this.load());
    this.load();
  }

  concerns(visitorId, accountId) {
    const data = this.data;
    if (!data) return false;
    if (data.kind === "account") return accountId === data.account.id || data.visitors.some((v) => v.id === visitorId);
    return visitorId === data.visitor.id;
  }

  async load() {
    let data;
    try {
      data = await this.app.api.get(this.path);
    } catch (err) {
      fill(this.error, err.status === 404 ? s("accounts.no_such") : err.message);
      show(this.error, true);
      return;
    }
    show(this.error, false);
    this.data = data;
    this.showWho(data);
    this.showHeld(data.held);
    this.showActions(data);
    this.showVisitors(data);
    this.showSuspensions(data.suspensions);
    this.showChats(data.chats);
    this.showTickets(data.tickets);
    this.showSurveys(data.surveys);
    this.showAlerts(data.alerts);
    for (const note of this.app.root.querySelectorAll('[data-sd="list-more"]')) note.remove();
    for (const name of LISTS) {
      const node = name === "surveys" ? this.surveys : $(this.app.root, `account-${name}`);
      if (node && (data.more || []).includes(name)) {
        node.after(el("p", { class: "muted", "data-sd": "list-more" }, s("accounts.more")));
      }
    }
  }

  showWho(data) {
    if (data.kind === "account") {
      fill(this.title, s("who.account", { account: data.account.id }));
      this.facts.replaceChildren(...facts([
        [s("chatview.fact.account"), el("code", { "data-sd": "account-id" }, data.account.id)],
        [s("chatview.fact.site"), data.site], [s("accounts.plan"), data.account.plan || "–"],
        [s("accounts.identity"), pill(s("dom.verified"), "ok")],
      ]));
      return;
    }
    const v = data.visitor;
    fill(this.title, describeVisitor(v));
    this.facts.replaceChildren(...facts([
      [s("accounts.identity"), v.verified ? pill(s("dom.verified"), "ok") : pill(s("chatview.unverified"), "muted")],
      [s("accounts.name"), v.name || "–"], [s("accounts.email"), v.email || "–"],
      [s("chatview.fact.account"), data.account ? accountLink(data.site, data.account.id, data.account.id)
        : v.account ? s("accounts.claimed", { account: v.account }) : "–"],
      [s("accounts.plan"), v.plan || "–"], [s("chatview.fact.site"), data.site],
      [s("chatview.fact.visitor_id"), el("code", {}, v.id)], [s("accounts.first_seen"), timeEl(v.created_at)],
    ]));
  }

  showHeld(held) {
    this.held.setAttribute("data-state", held ? "held" : "open");
    fill(this.held, held ? pill(describeHold(held), "bad") : pill(s("accounts.may_chat"), "ok"),
      held && held.reason ? el("span", { class: "muted" }, ` ${s("accounts.because", { reason: held.reason })}`) : null);
  }

  showActions(data) {
    const target = data.kind === "account" ? { account_id: data.account.id, site: data.site }
      : { visitor_id: data.visitor.id, visitor: { ...data.visitor, site: data.site }, site: data.site };
    fill(this.actions,
      this.button(s("accounts.suspend"), "account-suspend", () => this.app.actions.suspend(target), "danger"),
      this.button(s("accounts.ban"), "account-ban", () => this.app.actions.suspend(target, { ban: true }), "danger"),
      this.button(s("accounts.lift"), "account-lift", () => this.app.actions.lift(target), "", !data.held));
  }

  button(text, sd, run, cls = "", disabled = false) {
    const b = el("button", { type: "button", class: cls || null, "data-sd": sd, disabled }, text);
    b.addEventListener("click", async () => {
      if (await run()) this.load();
    });
    return b;
  }

  showVisitors(data) {
    show($(this.app.root, "account-visitors-card"), data.kind === "account");
    if (data.kind !== "account") return;
    fill(this.visitors, ...data.visitors.map((v) => el("li", { "data-sd": "account-visitor" },
      visitorLink(v.id, describeVisitor(v)), " ", el("span", { class: "muted" }, s("accounts.seen", { at: when(v.created_at) })))));
  }

  showSuspensions(list) {
    // on an account's page a visitor's own suspension names that visitor
    const scope = (x) => (x.account_id ? s("who.account", { account: x.account_id })
      : this.data.kind === "account" ? visitorLink(x.visitor_id, this.visitorName(x.visitor_id)) : s("who.this_visitor"));
    fill(this.suspensions, ...(list.length ? list.map((x) => suspensionItem(x, scope(x)))
      : [el("li", { class: "muted" }, s("accounts.none"))]));
  }

  showChats(chats) {
    fill(this.chatRows, ...chats.map((c) => el("tr", { "data-sd": "account-chat", "data-chat-id": c.id },
      el("td", {}, timeEl(c.started_at)),
      el("td", {}, visitorLink(c.visitor_id, this.visitorName(c.visitor_id))),
      el("td", {}, pill(c.status, c.status), c.end_reason ? ` ${ENDED.has(c.end_reason) ? s(`chatview.ended.${c.end_reason}`) : c.end_reason}` : ""),
      el("td", {}, c.topic || "–"), el("td", {}, c.agent ? c.agent.name : "–"),
      el("td", {}, chatLink(c.id, s("history.open"))))));
    if (!chats.length) this.chatRows.append(el("tr", {}, el("td", { colspan: "6", class: "muted" }, s("accounts.none"))));
  }

  visitorName(id) {
    const found = (this.data.visitors || [this.data.visitor]).find((v) => v && v.id === id);
    return found ? describeVisitor(found) : s("dom.visitor");
  }

  showTickets(tickets) {
    fill(this.tickets, ...(tickets.length ? tickets.map((t) => el("li", { "data-sd": "account-ticket", "data-ticket-id": t.id },
      el("a", { href: `/console#tickets/${encodeURIComponent(t.id)}` }, t.number), " ",
      el("span", { "data-sd": "ticket-subject" }, t.subject), " ", pill(t.status, t.status), " ", timeEl(t.created_at)))
      : [el("li", { class: "muted" }, s("accounts.none"))]));
  }

  showSurveys(surveys) {
    fill(this.surveys, ...(surveys.length ? surveys.map((survey) => surveyItem(survey, {
      onExclude: async (excluded) => {
        if (await this.app.actions.excludeSurvey(excluded)) this.load();
      },
    })) : [el("li", { class: "muted" }, s("accounts.none"))]));
  }

  showAlerts(alerts) {
    fill(this.alerts, ...(alerts.length ? alerts.map((a) => alertItem(a, { agentName: (id) => this.app.agentName(id) }))
      : [el("li", { class: "muted" }, s("accounts.none"))]));
  }
}

function facts(rows) {
  return rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]);
}

/** A suspension or ban: who, when, why, until; and, lifted, when, by whom, why. */
function suspensionItem(x, scope) {
  const kind = x.ban ? s("accounts.banned") : s("accounts.suspended");
  const lifted = x.lifted_at ? el("p", { class: "muted", "data-sd": "suspension-lifted" },
    x.lifted_by ? s("accounts.lifted_by", { name: x.lifted_by_name || "?", at: when(x.lifted_at) })
      : s("accounts.lifted_itself", { at: when(x.lifted_at) }),
    x.lifted_reason ? ` ${s("accounts.because", { reason: x.lifted_reason })}` : "") : null;
  return el("li", { class: "feed-item", "data-sd": "suspension", "data-suspension-id": x.id,
    "data-active": x.active ? "true" : "false", "data-tone": x.active ? "bad" : null },
  el("div", { class: "feed-head" }, el("span", {}, pill(kind, x.active ? "bad" : "muted"), " ", scope), timeEl(x.created_at)),
  el("p", { class: "feed-body" }, s("accounts.by", { name: x.actor_name || "?" }), " ",
    el("q", { "data-sd": "suspension-reason" }, x.reason)),
  el("p", { class: "muted" }, x.ban ? s("accounts.until_lifted") : s("accounts.until", { until: when(x.until) }),
    x.active ? "" : ` · ${s("accounts.over")}`),
  lifted);
}
