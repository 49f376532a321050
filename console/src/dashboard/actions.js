// The supervisor's actions over the socket, each through the action dialog
// with its reason: suspend or ban, lift, reassign, exclude a survey.
import { reasonField } from "./dialog.js";
import { ask } from "./net.js";
import { when } from "./dom.js";
import { WhoPicker } from "./who.js";
import { s } from "../strings.js";

export class Actions {
  /** `app`: {socket, api, dialog, flash(text), suspensionDays, agents() -> [{id, name, ...}]} */
  constructor(app) {
    this.app = app;
  }

  /** target: {visitor_id, visitor?} or {account_id, site?} from where the
   * lead stands, or {} (a search); `ban`: the ban box ticked at first.
   * Resolves to the ack, or null. */
  async suspend(target = {}, { ban = false } = {}) {
    const { dialog, socket } = this.app;
    const who = new WhoPicker(this.app.api, target, "suspend");
    const result = await dialog.open({
      action: "suspend",
      title: s("actions.suspend.title"),
      intro: s("actions.suspend.intro"),
      submitLabel: s("actions.suspend.submit"), danger: true,
      errors: { conflict: s("actions.suspend.conflict") },
      fields: [
        { name: "who", type: "custom", widget: who },
        { name: "days", label: s("actions.suspend.days"), type: "number", min: 1, max: 3650, value: this.app.suspensionDays,
          required: true, disabledWhen: (v) => v.ban },
        { name: "ban", label: s("actions.suspend.ban"), type: "checkbox", value: ban },
        reasonField(),
      ],
      run: (v) => ask(socket, "account:suspend", {
        ...v.who, reason: v.reason, ...(v.ban ? { ban: true } : { days: v.days }),
      }),
    });
    if (result) {
      const suspension = result.suspension || {};
      const name = who.label();
      this.app.flash(suspension.ban ? s("actions.suspend.banned", { name })
        : s("actions.suspend.done", { name, until: when(suspension.until) }));
    }
    return result;
  }

  async lift(target = {}) {
    const { dialog, socket } = this.app;
    const who = new WhoPicker(this.app.api, target, "lift");
    const result = await dialog.open({
      action: "lift",
      title: s("actions.lift.title"),
      submitLabel: s("actions.lift.submit"),
      errors: { not_found: s("actions.lift.not_found") },
      fields: [{ name: "who", type: "custom", widget: who }, reasonField()],
      run: (v) => ask(socket, "account:lift", { ...v.who, reason: v.reason }),
    });
    if (result) this.app.flash(s("actions.lift.done", { name: who.label() }));
    return result;
  }

  /** The protocol's chat:reassign takes no reason: the audit log records
   * who moved the chat from whom to whom. */
  async reassign(chat) {
    const { dialog, socket } = this.app;
    const agents = this.app.agents().filter((a) => a.id !== (chat.agent && chat.agent.id));
    const field = agents.length
      ? { name: "agent_id", label: s("actions.reassign.to"), type: "select", required: true,
          options: agents.map((a) => [a.id, s(a.connected === false ? "actions.reassign.agent_offline" : "actions.reassign.agent",
            { name: a.name, status: a.status || "?", load: a.load ?? 0, capacity: a.capacity ?? "?" })]) }
      : { name: "agent_id", label: s("actions.reassign.to"), type: "select", required: true,
          options: [["", s("actions.reassign.nobody")]] };
    const result = await dialog.open({
      action: "reassign",
      title: s("actions.reassign.title"),
      intro: s("actions.reassign.intro"),
      submitLabel: s("actions.reassign.submit"), fields: [field],
      run: (v) => ask(socket, "chat:reassign", { chat_id: chat.id, agent_id: v.agent_id }),
    });
    if (result) this.app.flash(s("actions.reassign.done"));
    return result;
  }

  async excludeSurvey(survey) {
    const { dialog, socket } = this.app;
    const result = await dialog.open({
      action: "exclude",
      title: s("actions.exclude.title"),
      intro: s("actions.exclude.intro"),
      submitLabel: s("actions.exclude.submit"), fields: [reasonField()],
      run: (v) => ask(socket, "survey:exclude", { survey_id: survey.id, reason: v.reason }),
    });
    if (result) this.app.flash(s("actions.exclude.done"));
    return result;
  }
}
