// What the widget shows, one step at a time, from the state of `w`, a
// WidgetChat (chat.js): which screen stands in for the composer, the
// header's status, and the sections (offline, pre-chat or topic form,
// the end of a chat).
// Builders and callbacks only: the protocol stays in chat.js.
import { prechatForm, surveyForm, transcriptForm } from "./forms.js";
import { afterPanel, offlinePanel, ticketsPanel } from "./panels.js";
import { formatDate, request } from "./util.js";
import { parts, t } from "./i18n.js";

// The refusals (connect_error codes) that have words of their own.
const REFUSED = new Set(["unknown_site", "origin_not_allowed", "bad_identity", "identity_required", "rate_limited"]);

export const minutes = (s) => Math.max(1, Math.round(Number(s) / 60));

/** What shows instead of the composer, one step at a time: "suspended",
 * "after" (a chat just ended: its survey, then "Start a new chat"),
 * "use_ticket" (the guidance for a topic chat cannot take), "prechat"
 * (the questions before a first message, or another topic), "offline"
 * (nobody on shift and no chat open), or null (the composer). */
function screenOf(w) {
  if (w.suspended) return "suspended";
  if (w.chat || w.start || !w.ready) return null;
  if (w.after) return "after";
  if (w.useTicket) return "use_ticket";
  if (w.choosingTopic) return "prechat";
  if (w.online === false) return "offline";
  if (w.options.prechat && !w.prechat && !w.verified) return "prechat";
  return null;
}

export function render(w) {
  const v = w.view;
  const screen = screenOf(w);
  v.setAgent(w.chat && w.chat.status === "active" ? w.agentName() : "");
  v.setQueued(w.chat && w.chat.status === "queued" && w.position ? w.position : null,
    w.eta ? minutes(w.eta) : null);
  v.setWarning(w.chat ? w.warning : "");
  v.endButton.hidden = !w.chat;
  v.mailButton.hidden = !w.chat;
  if (!w.chat) v.endConfirm.hidden = true;
  if (!w.chat && !v.mailBox.hidden) v.showMailBox(false);
  v.setComposer(!screen && !(w.refused && !w.chat), w.ready || Boolean(w.chat));
  v.setTopic(!screen && !w.chat && !w.start && !w.refused ? topicLabel(w) : "");
  renderOffline(w, screen === "offline");
  renderPrechat(w, screen === "prechat");
  v.fill(v.tickets, ...(w.chat || w.start || screen ? [] : ticketsPanel(w.account, w.openTickets)));
  renderStatus(w);
  renderPresence(w);
}

/** The launcher's line under "Chat with us": whether the desk is online,
 * from the socket once connected, else from `GET /widget/status`. Not
 * shown during a chat (the badge speaks then), nor while the desk's answer
 * is unknown or chat is closed to this page or visitor. */
function renderPresence(w) {
  const v = w.view;
  if (w.chat || w.suspended || w.refused || w.online === null) return v.setPresence(null);
  if (w.online) return v.setPresence("online", t("presence.online"));
  return v.setPresence("offline", t("presence.offline"),
    w.nextOpen ? t("presence.next_open", { when: formatDate(w.nextOpen) }) : "");
}

function renderStatus(w) {
  const v = w.view;
  if (w.suspended) return v.setStatus("suspended", t(w.suspended.ban ? "status.unavailable" : "status.suspended"));
  if (w.refused) {
    return v.setStatus("offline", t(REFUSED.has(w.refused.code) ? `refused.${w.refused.code}` : "status.refused"));
  }
  if (!w.ready) {
    return v.setStatus("connecting", t(w.sessions || w.memory.get("pending") ? "status.reconnecting" : "status.connecting"));
  }
  if (w.chat && w.chat.status === "active") return v.setStatus("active", ...parts("status.chatting", { agent: v.agent }));
  if (w.chat) return v.setStatus("queued", t("status.waiting"));
  if (w.online) return v.setStatus("online", t("status.online"));
  return v.setStatus("offline", w.nextOpen ? t("status.offline_until", { when: formatDate(w.nextOpen) }) : t("status.offline"));
}

function renderOffline(w, shown) {
  const v = w.view;
  if (shown && !w.offlineShown) {
    const panel = offlinePanel(w.nextOpen, (fields) => w.sendTicket(fields), w.offlineDraft || "",
      w.prechat && w.prechat.topic);
    w.offlineDraft = "";
    v.fill(v.offline, ...panel.nodes);
    w.offlineShown = panel;
  } else if (shown) {
    w.offlineShown.when.textContent = w.nextOpen ? formatDate(w.nextOpen) : "";
  } else if (w.offlineShown && !v.offline.querySelector('[data-sd="ticket-receipt"]')) {
    v.fill(v.offline); // keep a receipt in view; a new chat clears it
    w.offlineShown = null;
  }
}

/** The label of the topic picked in the pre-chat form, or "". */
function topicLabel(w) {
  const name = w.prechat && w.prechat.topic;
  const topic = name && w.options.topics.find((t) => t.name === name);
  return topic ? topic.label : "";
}

function renderPrechat(w, shown) {
  const v = w.view;
  if (shown && v.prechat.hidden) {
    const changing = w.choosingTopic;
    const done = (values) => {
      if (changing) w.view.showNotice(); // what sent them here is answered
      w.prechat = values;
      w.memory.set("prechat", JSON.stringify(values));
      w.choosingTopic = false;
      render(w);
      v.input.focus();
    };
    const cancel = changing ? () => {
      w.choosingTopic = false;
      render(w);
      v.input.focus();
    } : null;
    const given = { ...(w.prechat || {}) };
    if (changing && given.topic && given.topic === w.refusedTopic) { // offer another one first
      const other = w.options.topics.find((t) => t.name !== given.topic);
      if (other) given.topic = other.name;
    }
    v.fill(v.prechat, prechatForm(w.options.topics, done, {
      given, askWho: !w.prechat && !w.verified, cancel,
    }));
  } else if (!shown) v.fill(v.prechat);
}

/** The end of a chat, one step at a time (panels.js afterPanel). */
export function renderAfter(w) {
  const v = w.view;
  const after = w.after;
  if (!after) {
    v.fill(v.after);
    return;
  }
  const survey = after.survey && !after.surveyDone ? surveyForm(
    (fields) => request(w.socket, "survey:submit", { chat_id: after.survey, ...fields }),
    (rated) => {
      Object.assign(after, { surveyDone: true, rated });
      w.remember(null); // rated or skipped: the next page need not connect to ask again
      renderAfter(w);
      const next = v.after.querySelector('[data-sd="new-chat"]');
      if (next) next.focus();
    }) : null;
  const chatId = after.chatId || after.survey;
  const mail = chatId ? transcriptForm((fields) => w.mailTranscript(chatId, fields)) : null;
  v.fill(v.after, ...afterPanel(after, { survey, mail, newChat: () => w.newChat() }));
  v.scrollToEnd();
}
