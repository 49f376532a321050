// What an agent does to a chat besides writing: transfer it (to an agent,
// a tier or a skill), convert it to a ticket, flag it for abuse, mail its
// transcript to the visitor (also once it ended), end it.
// Each opens a small inline form under the chat's header (no dialogs, no
// window.prompt; ending asks for a confirmation there too); the answer
// shows in one status line.
import { el, request } from "../../widget/src/util.js";
import { errorText } from "./api.js";
import { s } from "./strings.js";

const TIERS = () => ["1", "2", "3", "4"].map((tier) => [tier, s(`transfer.tier${tier}`)]);

export class ChatActions {
  /**
   * @param {{socket, api, chatId: string, selfId: () => string|null,
   *          openTicket: (id: string) => void, onEnded: (data: object) => void}} deps
   */
  constructor(deps) {
    this.deps = deps;
    this.buttons = {
      transfer: button("transfer", s("actions.transfer"), () => this.open("transfer")),
      convert: button("convert", s("actions.convert"), () => this.open("convert")),
      flag: button("flag", s("actions.flag"), () => this.open("flag")),
      mail: button("mail-transcript", s("actions.mail"), () => this.open("mail")),
      end: button("end", s("actions.end"), () => this.open("end"), "danger"),
    };
    this.bar = el("div", { class: "chat-actions", role: "toolbar", "aria-label": s("actions.label") },
      ...Object.values(this.buttons));
    this.result = el("p", { class: "action-result", "data-sd": "action-result", role: "status", hidden: true });
    this.forms = { transfer: this.transferForm(), convert: this.convertForm(), flag: this.flagForm(),
      mail: this.mailForm(), end: this.endForm() };
    this.area = el("div", { class: "action-area" }, ...Object.values(this.forms), this.result);
    this.current = null;
  }

  setEnded(ended) {
    for (const [name, b] of Object.entries(this.buttons)) b.hidden = ended && name !== "mail";
    if (ended && this.current !== "mail") this.close();
  }

  open(name) {
    if (this.current === name) {
      this.close();
      return;
    }
    this.close();
    this.current = name;
    this.forms[name].hidden = false;
    this.buttons[name].setAttribute("aria-expanded", "true");
    if (name === "transfer") this.loadTargets();
    const first = this.forms[name].querySelector("select, input, textarea");
    if (first) first.focus();
  }

  close() {
    for (const [name, form] of Object.entries(this.forms)) {
      form.hidden = true;
      this.buttons[name].setAttribute("aria-expanded", "false");
    }
    this.current = null;
  }

  say(text, state = "ok") {
    this.result.hidden = !text;
    this.result.textContent = text || "";
    this.result.setAttribute("data-state", state);
  }

  // transfer
  transferForm() {
    this.transferKind = el("select", { "data-sd": "transfer-kind", "aria-label": s("transfer.to") },
      el("option", { value: "agent" }, s("transfer.kind_agent")), el("option", { value: "tier" }, s("transfer.kind_tier")),
      el("option", { value: "skill" }, s("transfer.kind_skill")));
    this.transferTarget = el("select", { "data-sd": "transfer-target", "aria-label": s("transfer.target"), required: true });
    this.transferKind.addEventListener("change", () => this.fillTargets());
    const form = el("form", { class: "action-form", "data-sd": "transfer-form", hidden: true },
      el("span", { class: "form-title" }, s("transfer.to")), this.transferKind, this.transferTarget,
      el("button", { type: "submit", class: "primary", "data-sd": "transfer-send" }, s("transfer.send")),
      cancel(() => this.close()));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.transfer();
    });
    this.agents = [];
    return form;
  }

  async loadTargets() {
    this.fillTargets();
    const answer = await this.deps.api.get("/api/agents");
    if (!answer.ok) {
      this.say(errorText(answer, s("transfer.list_failed")), "error");
      return;
    }
    this.agents = (answer.agents || []).filter((a) => a.id !== this.deps.selfId());
    this.fillTargets();
  }

  fillTargets() {
    const kind = this.transferKind.value;
    const keep = this.transferTarget.value;
    let options;
    if (kind === "agent") {
      options = this.agents.map((a) => {
        const state = !a.on_shift ? s("transfer.off_shift") : !a.connected ? s("transfer.offline") : a.status;
        return [a.id, s("transfer.agent_option", { name: a.name, tier: a.tier, load: a.load, capacity: a.capacity, state })];
      });
    } else if (kind === "tier") {
      options = TIERS();
    } else {
      const skills = new Set();
      for (const a of this.agents) for (const skill of a.skills || []) skills.add(String(skill));
      options = [...skills].sort().map((skill) => [skill, skill]);
    }
    const none = { agent: s("transfer.no_agent"), skill: s("transfer.no_skill") }[kind];
    this.transferTarget.replaceChildren(...(options.length ? options.map(([value, label]) => el("option", { value }, label))
      : [el("option", { value: "", disabled: true }, none)]));
    if (options.some(([value]) => value === keep)) this.transferTarget.value = keep;
  }

  async transfer() {
    const kind = this.transferKind.value;
    const value = this.transferTarget.value;
    if (!value) return;
    const to = kind === "agent" ? { agent_id: value } : kind === "tier" ? { tier: Number(value) } : { skill: value };
    const ack = await request(this.deps.socket, "chat:transfer", { chat_id: this.deps.chatId, to });
    if (!ack.ok) {
      this.say(errorText(ack, s("transfer.failed")), "error");
      return;
    }
    this.close();
    if (ack.ticket) this.say(s("transfer.became_ticket", { number: ack.ticket.number }));
    else this.say(ack.chat && ack.chat.agent ? s("transfer.done", { name: ack.chat.agent.name }) : s("transfer.queued"));
    this.deps.onEnded({ reason: "transferred", ticket: ack.ticket });
  }

  // convert
  convertForm() {
    this.subject = el("input", { type: "text", "data-sd": "convert-subject", maxlength: "200",
      placeholder: s("convert.subject"), "aria-label": s("convert.subject_label") });
    const form = el("form", { class: "action-form", "data-sd": "convert-form", hidden: true },
      el("span", { class: "form-title" }, s("convert.title")), this.subject,
      el("button", { type: "submit", class: "primary", "data-sd": "convert-send" }, s("convert.send")),
      cancel(() => this.close()));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const subject = this.subject.value.trim();
      const ack = await request(this.deps.socket, "chat:convert", { chat_id: this.deps.chatId, ...(subject ? { subject } : {}) });
      if (!ack.ok) {
        this.say(errorText(ack, s("convert.failed")), "error");
        return;
      }
      this.close();
      this.showTicket(ack.ticket);
      this.deps.onEnded({ reason: "converted", ticket: ack.ticket });
    });
    return form;
  }

  showTicket(ticket) {
    const open = el("button", { type: "button", class: "link", "data-sd": "open-ticket", "data-ticket-id": ticket.id },
      s("convert.open", { number: ticket.number }));
    open.addEventListener("click", () => this.deps.openTicket(ticket.id));
    this.result.replaceChildren(document.createTextNode(s("convert.opened", { number: ticket.number })), open);
    this.result.hidden = false;
    this.result.setAttribute("data-state", "ok");
  }

  // flag
  flagForm() {
    this.reason = el("textarea", { "data-sd": "flag-reason", rows: "2", maxlength: "500", required: true,
      placeholder: s("flag.reason"), "aria-label": s("flag.reason_label") });
    const form = el("form", { class: "action-form", "data-sd": "flag-form", hidden: true },
      el("span", { class: "form-title" }, s("flag.title")), this.reason,
      el("button", { type: "submit", class: "danger", "data-sd": "flag-send" }, s("flag.send")),
      cancel(() => this.close()));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const reason = this.reason.value.trim();
      if (!reason) return;
      const ack = await request(this.deps.socket, "chat:flag", { chat_id: this.deps.chatId, reason });
      if (!ack.ok) {
        this.say(errorText(ack, s("flag.failed")), "error");
        return;
      }
      this.reason.value = "";
      this.close();
      this.say(s("flag.done", { reason }));
    });
    return form;
  }

  // the transcript by email, to the visitor's email on file only (chat:transcript)
  mailForm() {
    const form = el("form", { class: "action-form", "data-sd": "mail-form", hidden: true },
      el("span", { class: "form-title" }, s("mail.title")),
      el("button", { type: "submit", class: "primary", "data-sd": "mail-send" }, s("mail.send")),
      cancel(() => this.close()));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const send = form.querySelector('[data-sd="mail-send"]');
      send.disabled = true;
      const ack = await request(this.deps.socket, "chat:transcript", { chat_id: this.deps.chatId });
      send.disabled = false;
      if (!ack.ok) {
        this.say(errorText(ack, s("mail.failed")), "error");
        return;
      }
      this.close();
      this.say(s("mail.done", { email: ack.email }));
    });
    return form;
  }

  // end: asked first, since it cannot be undone
  endForm() {
    const form = el("form", { class: "action-form", "data-sd": "end-form", hidden: true },
      el("span", { class: "form-title" }, s("end.title")),
      el("button", { type: "submit", class: "danger", "data-sd": "end-confirm" }, s("end.send")),
      cancel(() => this.close()));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.endChat(form.querySelector('[data-sd="end-confirm"]'));
    });
    return form;
  }

  async endChat(confirm) {
    confirm.disabled = true;
    const ack = await request(this.deps.socket, "chat:end", { chat_id: this.deps.chatId });
    confirm.disabled = false;
    this.close();
    if (ack.ok) this.deps.onEnded({ reason: "agent" });
    else this.say(errorText(ack, s("end.failed")), "error");
  }
}

function button(name, label, onClick, kind = "") {
  const b = el("button", { type: "button", class: kind || null, "data-sd": name, "aria-expanded": "false" }, label);
  b.addEventListener("click", onClick);
  return b;
}

function cancel(onClick) {
  const b = el("button", { type: "button", class: "quiet" }, s("actions.cancel"));
  b.addEventListener("click", onClick);
  return b;
}
