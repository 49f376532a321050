// The supervisor's actions over the socket, each through the action dialog
// with its reason: suspend or ban, lift, reassign, exclude a survey.
import { reasonField } from "./dialog.js";
import { ask } from "./net.js";
import { when } from "./dom.js";

export class Actions {
  /** `app`: {socket, dialog, flash(text), suspensionDays, agents() -> [{id, name, ...}]} */
  constructor(app) {
    this.app = app;
  }

  /** target: {visitor_id} or {account_id, site?}; `label` names it for the reader. */
  async suspend(target = {}, label = "") {
    const { dialog, socket } = this.app;
    const kind = target.account_id ? "account" : "visitor";
    const result = await dialog.open({
      action: "suspend",
      title: label ? `Suspend ${label}` : "Suspend or ban",
      intro: "Their open chats end at once and new chats are refused until it lifts. Tickets stay open to them.",
      submitLabel: "Suspend", danger: true,
      fields: [
        { name: "kind", label: "Who", type: "select", value: kind,
          options: [["visitor", "One visitor (by visitor id)"], ["account", "A verified account (by account id)"]] },
        { name: "id", label: "Visitor or account id", required: true, maxlength: 200,
          value: target.account_id || target.visitor_id || "" },
        { name: "site", label: "Site key (only for an account known on several sites)", value: target.site || "",
          maxlength: 64, disabledWhen: (v) => v.kind !== "account" },
        { name: "days", label: "Days", type: "number", min: 1, max: 3650, value: this.app.suspensionDays,
          required: true, disabledWhen: (v) => v.ban },
        { name: "ban", label: "Ban (fraud): until a supervisor lifts it", type: "checkbox", value: false },
        reasonField(),
      ],
      run: (v) => ask(socket, "account:suspend", {
        ...targetOf(v), reason: v.reason, ...(v.ban ? { ban: true } : { days: v.days }),
      }),
    });
    if (result) {
      const s = result.suspension || {};
      this.app.flash(s.ban ? "Banned until lifted." : `Suspended until ${when(s.until)}.`);
    }
    return result;
  }

  async lift(target = {}, label = "") {
    const { dialog, socket } = this.app;
    const result = await dialog.open({
      action: "lift",
      title: label ? `Lift the suspension of ${label}` : "Lift a suspension or ban",
      submitLabel: "Lift",
      fields: [
        { name: "kind", label: "Who", type: "select", value: target.account_id ? "account" : "visitor",
          options: [["visitor", "One visitor (by visitor id)"], ["account", "A verified account (by account id)"]] },
        { name: "id", label: "Visitor or account id", required: true, maxlength: 200,
          value: target.account_id || target.visitor_id || "" },
        { name: "site", label: "Site key (only for an account known on several sites)", value: target.site || "",
          maxlength: 64, disabledWhen: (v) => v.kind !== "account" },
        reasonField(),
      ],
      run: (v) => ask(socket, "account:lift", { ...targetOf(v), reason: v.reason }),
    });
    if (result) this.app.flash("Lifted: they can chat again.");
    return result;
  }

  /** The protocol's chat:reassign takes no reason: the audit log records
   * who moved the chat from whom to whom. */
  async reassign(chat) {
    const { dialog, socket } = this.app;
    const agents = this.app.agents().filter((a) => a.id !== (chat.agent && chat.agent.id));
    const field = agents.length
      ? { name: "agent_id", label: "To agent", type: "select", required: true,
          options: agents.map((a) => [a.id, `${a.name} (${a.status || "?"}${a.connected === false ? ", offline" : ""}, ${a.load ?? 0}/${a.capacity ?? "?"})`]) }
      : { name: "agent_id", label: "To agent (id)", required: true, maxlength: 64 };
    const result = await dialog.open({
      action: "reassign",
      title: "Reassign the chat",
      intro: "The agent must be on shift, connected and have room; the history goes with the chat.",
      submitLabel: "Reassign", fields: [field],
      run: (v) => ask(socket, "chat:reassign", { chat_id: chat.id, agent_id: v.agent_id }),
    });
    if (result) this.app.flash("Chat reassigned.");
    return result;
  }

  async excludeSurvey(survey) {
    const { dialog, socket } = this.app;
    const result = await dialog.open({
      action: "exclude",
      title: "Exclude this survey",
      intro: "It stops counting in its agents' scores (CSAT). Say why: something staff could not control.",
      submitLabel: "Exclude", fields: [reasonField()],
      run: (v) => ask(socket, "survey:exclude", { survey_id: survey.id, reason: v.reason }),
    });
    if (result) this.app.flash("Survey excluded.");
    return result;
  }
}

function targetOf(v) {
  const id = String(v.id).trim();
  if (v.kind === "account") return { account_id: id, ...(v.site ? { site: v.site.trim() } : {}) };
  return { visitor_id: id };
}
