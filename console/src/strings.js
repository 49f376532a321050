// The console's words, in one place so that they can be translated (English
// only for now; the widget's languages are in widget/src/i18n.js). `{name}`
// in a string is filled from `vars`. Grouped by screen; a file whose
// strings are not here yet still has them inline (moved a file at a time).

const en = {
  // One chat: its panel, transcript and composer (chat-panel.js)
  "chat.ended.visitor": "The visitor ended the chat.",
  "chat.ended.agent": "You ended the chat.",
  "chat.ended.converted": "The chat became a ticket.",
  "chat.ended.abandoned": "The visitor left.",
  "chat.ended.suspended": "The account was suspended.",
  "chat.ended.transferred": "The chat was transferred.",
  "chat.ended.other": "Chat closed.",
  "chat.ended.ticket": "Ticket {number}.",
  "chat.state.ended": "Chat ended.",
  "chat.state.queued": "Queued",
  "chat.messages": "Messages",
  "chat.reply_placeholder": "Reply… Enter sends, Shift+Enter for a new line, / for canned replies",
  "chat.reply_label": "Reply",
  "chat.send": "Send",
  "chat.close_tab": "Close tab",
  "chat.note": "Internal note (agents only)",
  "chat.note_by": "Internal note{by}",
  "chat.visitor": "Visitor {id}",
  "chat.you": "You",
  "chat.agent": "Agent",
  "chat.failed_ended": "The chat ended",
  "chat.typing": "{name} is typing…",

  // What an agent does to a chat (chat-actions.js)
  "actions.label": "Chat actions",
  "actions.transfer": "Transfer",
  "actions.convert": "Convert to ticket",
  "actions.flag": "Flag",
  "actions.mail": "Email transcript",
  "actions.end": "End chat",
  "actions.cancel": "Cancel",
  "transfer.tier1": "Tier 1",
  "transfer.tier2": "Tier 2",
  "transfer.tier3": "Tier 3",
  "transfer.tier4": "Tier 4: engineering (becomes a ticket)",
  "transfer.to": "Transfer to",
  "transfer.target": "Target",
  "transfer.kind_agent": "An agent",
  "transfer.kind_tier": "A tier",
  "transfer.kind_skill": "A skill",
  "transfer.send": "Transfer",
  "transfer.list_failed": "The agents could not be listed",
  "transfer.off_shift": "off shift",
  "transfer.offline": "offline",
  "transfer.agent_option": "{name} · tier {tier} · {load}/{capacity} · {state}",
  "transfer.no_agent": "No other agent",
  "transfer.no_skill": "No skills listed",
  "transfer.failed": "The chat was not transferred",
  "transfer.became_ticket": "The chat became ticket {number}.",
  "transfer.done": "Transferred to {name}.",
  "transfer.queued": "Transferred: the chat is queued.",
  "convert.subject": "Subject (optional: the visitor's first line)",
  "convert.subject_label": "Ticket subject",
  "convert.title": "Convert to ticket",
  "convert.send": "Convert",
  "convert.failed": "The chat was not converted",
  "convert.open": "Open {number}",
  "convert.opened": "Ticket {number} opened. ",
  "flag.reason": "Why? Supervisors see this with the chat.",
  "flag.reason_label": "Reason for the flag",
  "flag.title": "Flag for abuse",
  "flag.send": "Flag",
  "flag.failed": "The flag was not sent",
  "flag.done": "Flagged for supervisors: “{reason}”. The chat goes on.",
  "mail.title": "Email the transcript to the visitor's email on file? Internal notes are left out.",
  "mail.send": "Send",
  "mail.failed": "The transcript was not sent",
  "mail.done": "Transcript queued for {email}.",
  "end.title": "End this chat? The visitor is asked to rate it; it cannot be reopened.",
  "end.send": "End chat",
  "end.failed": "The chat was not ended",
};

/** The console's text for `key`, with `{name}` filled from `vars`. */
export function s(key, vars) {
  const text = en[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}
