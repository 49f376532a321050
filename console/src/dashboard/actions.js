// The supervisor's actions over the socket, each through the action dialog
// with its reason: suspend or ban, lift, reassign, exclude a survey.
import { reasonField } from "./dialog.js";
import { ask } from "./net.js";
import { when } from "./dom.js";
import { WhoPicker } from "./who.js";

export class Actions {
  /** `app`: {socket, api, dialog, flash(text), suspensionDays, agents() -> [{id, name, ...}]} */
  constructor(app) {
    this.app = app;
  }

  /** target: {visitor_id, visitor?} or {account_id, site?} from where the
   * lead stands, or {} (a search). Resolves to the ack, or null. */
  async suspend(target = {}) {
    const { dialog, socket } = this.app;
    const who = new WhoPicker(this.app.api, target, "suspend");
    const result = await dialog.open({
      action: "suspend",
      title: "Suspend or ban",
      intro: "Their open chats end at once and new chats are refused until it lifts. Tickets stay open to them.",
      submitLabel: "Suspend", danger: true,
      errors: { conflict: "They are suspended already: lift it first to change it." },
      fields: [
        { name: "who", type: "custom", widget: who },
        { name: "days", label: "Days", type: "number", min: 1, max: 3650, value: this.app.suspensionDays,
          required: true, disabledWhen: (v) => v.ban },
        { name: "ban", label: "Ban (fraud): until a supervisor lifts it", type: "checkbox", value: false },
        reasonField(),
      ],
      run: (v) => ask(socket, "account:suspend", {
        ...v.who, reason: v.reason, ...(v.ban ? { ban: true } : { days: v.days }),
      }),
    });
    if (result) {
      const s = result.suspension || {};
      const name = who.label();
      this.app.flash(s.ban ? `Banned ${name} until lifted.` : `Suspended ${name} until ${when(s.until)}.`);
    }
    return result;
  }

  async lift(target = {}) {
    const { dialog, socket } = this.app;
    const who = new WhoPicker(this.app.api, target, "lift");
    const result = await dialog.open({
      action: "lift",
      title: "Lift a suspension or ban",
      submitLabel: "Lift",
      errors: { not_found: "Nothing to lift: they are not suspended or banned now." },
      fields: [{ name: "who", type: "custom", widget: who }, reasonField()],
      run: (v) => ask(socket, "account:lift", { ...v.who, reason: v.reason }),
    });
    if (result) this.app.flash(`Lifted: ${who.label()} can chat again.`);
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
      : { name: "agent_id", label: "To agent", type: "select", required: true,
          options: [["", "No other agent is there to take it"]] };
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
