// What an agent does to a chat besides writing: transfer it (to an agent,
// a tier or a skill), convert it to a ticket, flag it for abuse, mail its
// transcript to the visitor (also once it ended), end it.
// Each opens a small inline form under the chat's header (no dialogs, no
// window.prompt; ending asks for a confirmation there too); the answer
// shows in one status line.
import { el, request } from "../../widget/src/util.js";
import { errorText } from "./api.js";

const TIERS = [["1", "Tier 1"], ["2", "Tier 2"], ["3", "Tier 3"], ["4", "Tier 4: engineering (becomes a ticket)"]];

export class ChatActions {
  /**
   * @param {{socket, api, chatId: string, selfId: () => string|null,
   *          openTicket: (id: string) => void, onEnded: (data: object) => void}} deps
   */
  constructor(deps) {
    this.deps = deps;
    this.buttons = {
      transfer: button("transfer", "Transfer", () => this.open("transfer")),
      convert: button("convert", "Convert to ticket", () => this.open("convert")),
      flag: button("flag", "Flag", () => this.open("flag")),
      mail: button("mail-transcript", "Email transcript", () => this.open("mail")),
      end: button("end", "End chat", () => this.open("end"), "danger"),
    };
    this.bar = el("div", { class: "chat-actions", role: "toolbar", "aria-label": "Chat actions" },
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
    this.transferKind = el("select", { "data-sd": "transfer-kind", "aria-label": "Transfer to" },
      el("option", { value: "agent" }, "An agent"), el("option", { value: "tier" }, "A tier"),
      el("option", { value: "skill" }, "A skill"));
    this.transferTarget = el("select", { "data-sd": "transfer-target", "aria-label": "Target", required: true });
    this.transferKind.addEventListener("change", () => this.fillTargets());
    const form = el("form", { class: "action-form", "data-sd": "transfer-form", hidden: true },
      el("span", { class: "form-title" }, "Transfer to"), this.transferKind, this.transferTarget,
      el("button", { type: "submit", class: "primary", "data-sd": "transfer-send" }, "Transfer"),
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
      this.say(errorText(answer, "The agents could not be listed"), "error");
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
        const state = !a.on_shift ? "off shift" : !a.connected ? "offline" : a.status;
        return [a.id, `${a.name} · tier ${a.tier} · ${a.load}/${a.capacity} · ${state}`];
      });
    } else if (kind === "tier") {
      options = TIERS;
    } else {
      const skills = new Set();
      for (const a of this.agents) for (const s of a.skills || []) skills.add(String(s));
      options = [...skills].sort().map((s) => [s, s]);
    }
    const none = { agent: "No other agent", skill: "No skills listed" }[kind];
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
      this.say(errorText(ack, "The chat was not transferred"), "error");
      return;
    }
    this.close();
    if (ack.ticket) this.say(`The chat became ticket ${ack.ticket.number}.`);
    else this.say(ack.chat && ack.chat.agent ? `Transferred to ${ack.chat.agent.name}.` : "Transferred: the chat is queued.");
    this.deps.onEnded({ reason: "transferred", ticket: ack.ticket });
  }

  // convert
  convertForm() {
    this.subject = el("input", { type: "text", "data-sd": "convert-subject", maxlength: "200",
      placeholder: "Subject (optional: the visitor's first line)", "aria-label": "Ticket subject" });
    const form = el("form", { class: "action-form", "data-sd": "convert-form", hidden: true },
      el("span", { class: "form-title" }, "Convert to ticket"), this.subject,
      el("button", { type: "submit", class: "primary", "data-sd": "convert-send" }, "Convert"),
      cancel(() => this.close()));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const subject = this.subject.value.trim();
      const ack = await request(this.deps.socket, "chat:convert", { chat_id: this.deps.chatId, ...(subject ? { subject } : {}) });
      if (!ack.ok) {
        this.say(errorText(ack, "The chat was not converted"), "error");
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
      `Open ${ticket.number}`);
    open.addEventListener("click", () => this.deps.openTicket(ticket.id));
    this.result.replaceChildren(document.createTextNode(`Ticket ${ticket.number} opened. `), open);
    this.result.hidden = false;
    this.result.setAttribute("data-state", "ok");
  }

  // flag
  flagForm() {
    this.reason = el("textarea", { "data-sd": "flag-reason", rows: "2", maxlength: "500", required: true,
      placeholder: "Why? Supervisors see this with the chat.", "aria-label": "Reason for the flag" });
    const form = el("form", { class: "action-form", "data-sd": "flag-form", hidden: true },
      el("span", { class: "form-title" }, "Flag for abuse"), this.reason,
      el("button", { type: "submit", class: "danger", "data-sd": "flag-send" }, "Flag"),
      cancel(() => this.close()));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const reason = this.reason.value.trim();
      if (!reason) return;
      const ack = await request(this.deps.socket, "chat:flag", { chat_id: this.deps.chatId, reason });
      if (!ack.ok) {
        this.say(errorText(ack, "The flag was not sent"), "error");
        return;
      }
      this.reason.value = "";
      this.close();
      this.say(`Flagged for supervisors: “${reason}”. The chat goes on.`);
    });
    return form;
  }

  // the transcript by email, to the visitor's email on file only (chat:transcript)
  mailForm() {
    const form = el("form", { class: "action-form", "data-sd": "mail-form", hidden: true },
      el("span", { class: "form-title" }, "Email the transcript to the visitor's email on file? Internal notes are left out."),
      el("button", { type: "submit", class: "primary", "data-sd": "mail-send" }, "Send"),
      cancel(() => this.close()));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const send = form.querySelector('[data-sd="mail-send"]');
      send.disabled = true;
      const ack = await request(this.deps.socket, "chat:transcript", { chat_id: this.deps.chatId });
      send.disabled = false;
      if (!ack.ok) {
        this.say(errorText(ack, "The transcript was not sent"), "error");
        return;
      }
      this.close();
      this.say(`Transcript queued for ${ack.email}.`);
    });
    return form;
  }

  // end: asked first, since it cannot be undone
  endForm() {
    const form = el("form", { class: "action-form", "data-sd": "end-form", hidden: true },
      el("span", { class: "form-title" }, "End this chat? The visitor is asked to rate it; it cannot be reopened."),
      el("button", { type: "submit", class: "danger", "data-sd": "end-confirm" }, "End chat"),
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
    else this.say(errorText(ack, "The chat was not ended"), "error");
  }
}

function button(name, label, onClick, kind = "") {
  const b = el("button", { type: "button", class: kind || null, "data-sd": name, "aria-expanded": "false" }, label);
  b.addEventListener("click", onClick);
  return b;
}

function cancel(onClick) {
  const b = el("button", { type: "button", class: "quiet" }, "Cancel");
  b.addEventListener("click", onClick);
  return b;
}
