// The console's words (the agent console and the lead's dashboard), in one
// place so that they can be translated: every string a person reads in
// console/src/*.js and console/src/dashboard/*.js comes from the `en` table
// below, grouped by view. English only for now; the widget's languages are
// in widget/src/i18n.js. `{name}` in a string is filled from `vars`; a count
// has `.one` and `.other` forms picked by Intl.PluralRules (`sn`); a sentence
// that holds an element (a link, a <strong>) is built with `parts`, so a
// language puts the element where its grammar wants. Dates and numbers stay
// formatted by Intl where they are used.
//
// What is NOT here: the server-rendered pages in console/templates/ (the
// sign-in page, the console's and dashboard's page shells, the operator
// pages) keep their words in their Jinja templates, and the server's error
// sentences come from the server (errors.js only maps codes to words).

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

  // The agent's alerts: notifications and the chime (alerts.js)
  "alerts.notify_on": "Notifications on",
  "alerts.notify_off": "Turn on notifications",
  "alerts.notify_on_title": "Desktop notifications for new chats and messages you are not looking at. Click to turn them off.",
  "alerts.notify_denied_title": "This browser blocks notifications from the console: allow them in the site settings, then click again.",
  "alerts.notify_unsupported_title": "This browser shows no desktop notifications.",
  "alerts.notify_off_title": "Desktop notifications for new chats and messages you are not looking at (the browser asks first).",
  "alerts.sound_on": "Sound on",
  "alerts.sound_off": "Sound off",
  "alerts.sound_on_title": "A chime for new chats and messages you are not looking at. Click to mute.",
  "alerts.sound_off_title": "No chime. Click for a chime on new chats and messages you are not looking at.",
  "alerts.new_chat": "New chat: {name}",
  "alerts.new_chat_waiting": "A visitor is waiting for your answer.",

  // Talking to the server (api.js)
  "api.unreachable": "The server could not be reached",
  "api.bad_answer": "Unexpected answer (HTTP {status})",

  // Canned replies in the composer (canned.js)
  "canned.label": "Canned replies",

  // Error codes as sentences, for the console and the dashboard (errors.js)
  "errors.bad_request": "Something in the form was not accepted: check what you entered.",
  "errors.not_found": "It is not there any more: it may have ended or been removed meanwhile.",
  "errors.forbidden": "You are not allowed to do that.",
  "errors.unauthorized": "You are signed out: sign in again.",
  "errors.conflict": "Something changed meanwhile: look again and retry.",
  "errors.chat_active": "The visitor already has a chat open.",
  "errors.chat_ended": "This chat has already ended.",
  "errors.offline": "Nobody is on shift now.",
  "errors.rate_limited": "Too many requests at once: wait a moment and try again.",
  "errors.suspended": "Chat is suspended for this visitor.",
  "errors.banned": "Chat is closed to this visitor (banned).",
  "errors.timeout": "The server did not answer in time: check the connection and try again.",
  "errors.network": "The server could not be reached: check the connection and try again.",
  "errors.internal": "Something went wrong on the server: try again, and tell your administrator if it keeps happening.",
  "errors.unknown_event": "This page is older than the server: reload it.",
  "errors.bad_ack": "The server's answer was not understood: reload the page.",
  "errors.bad_answer": "The server's answer was not understood: reload the page.",
  "errors.http": "The server's answer was not understood: reload the page.",
  "errors.too_large_limit": "That is too long: at most {limit} characters.",
  "errors.too_large": "That is too long.",
  "errors.other": "That did not work: try again.",
  "errors.failed": "{action}. {why}",

  // The session ended elsewhere (signed-out.js)
  "signed_out.notice": "You were signed out",

  // The console's top bar, empty chat area and queue (console.js)
  "console.reconnecting": "Reconnecting…",
  "console.connected": "Connected",
  "console.status_failed": "Your status was not changed",
  "console.status.available": "Available",
  "console.status.away": "Away",
  "console.status.title": "Take chats (Available) or not (Away)",
  "console.status.no_capacity_title": "Your capacity is 0: no chat reaches you, Available or not",
  "console.shift.on": "On shift",
  "console.shift.off": "Off shift",
  "console.shift.on_title": "Your shift covers now: you get chats while Available",
  "console.shift.off_title": "Outside your shift: no new chats (open ones stay yours)",
  "console.empty.no_capacity": "You take no chats (your capacity is 0): you watch the queue and work tickets. A capacity above 0 (run.py agent add … --capacity N) lets chats reach you.",
  "console.empty.off_shift": "No chats. You are outside your shift: no new chats come to you until it begins.",
  "console.empty.off_shift_away": "No chats. You are outside your shift: no new chats come to you until it begins, and you are Away.",
  "console.empty.available": "No chats right now. You are {status}: new chats from the queue come to you here.",
  "console.empty.away": "No chats. Set yourself {status} to take chats from the queue.",
  "console.queue.summary": "Queue: {count} waiting, longest {longest}",
  "console.queue.empty": "Queue: empty",
  "console.queue.nobody": "Nobody is waiting.",
  "console.queue.priority_support": "priority support",
  "console.queue.verified": "verified",

  // The visitor's context beside a chat (context-view.js)
  "context.label": "Visitor",
  "context.title": "Visitor",
  "context.name": "Name",
  "context.anonymous": "Anonymous visitor",
  "context.email": "Email",
  "context.email_claimed": "Email (claimed)",
  "context.account": "Account",
  "context.plan": "Plan",
  "context.topic": "Topic",
  "context.priority": "Priority",
  "context.started": "Started",
  "context.verified": "Verified identity",
  "context.unverified": "Not verified: name and email are the visitor's claims",
  "context.open_tickets": "Open tickets",
  "context.no_open_tickets": "No open tickets.",
  "context.previous_chats": "Previous chats",
  "context.no_previous_chats": "No earlier chats.",
  "context.quota.none": "Tickets: no plan quota",
  "context.quota.used": "Tickets used: {used} of {included} ({plan})",
  "context.quota.over": "Tickets used: {used} of {included} ({plan}) — over quota",
  "context.loading": "Loading…",
  "context.ticket": "Ticket",
  "context.general": "general",
  "context.previous_with": "with {name}, {reason}",
  "context.previous_no_agent": "no agent, {reason}",
  "context.end.visitor": "ended by the visitor",
  "context.end.agent": "ended by the agent",
  "context.end.converted": "became a ticket",
  "context.end.abandoned": "abandoned",
  "context.end.suspended": "suspended",
  "context.end.transferred": "transferred",

  // A chat's SLA clocks (sla-clocks.js)
  "sla.label": "SLA clocks",
  "sla.first_response": "First response",
  "sla.response_gap": "Reply gap",
  "sla.duration": "Chat length",
  "sla.left": "{time} left",
  "sla.over": "{time} over",
  "sla.limit_title": "{label}: limit {limit}",
  "sla.answered": "Answered",
  "sla.answered_in": "Answered in {time}",
  "sla.answered_title": "{label}: answered",
  "sla.answered_late_title": "{label}: answered after the limit",
  "sla.stopped.first_response": "Not answered",
  "sla.stopped.response_gap": "Not waiting",
  "sla.stopped.duration": "—",
  "sla.stopped_title": "{label}: not running",

  // The visitor's page and browser beside a chat (visit-view.js)
  "visit.title": "Page and browser",
  "visit.nothing": "Nothing reported by the visitor's browser yet.",
  "visit.page": "Page",
  "visit.no_title": "(no title)",
  "visit.referrer": "Came from",
  "visit.browser_label": "Browser",
  "visit.language": "Language",
  "visit.local_time": "Local time",
  "visit.custom": "From the site",
  "visit.pages": "Pages seen in this chat ({count})",
  "visit.unknown_browser": "Unknown browser",
  "visit.browser_os": "{browser} on {os}",
  "visit.browser": "{browser}",
  "visit.os": "on {os}",
  "visit.browser_os_mobile": "{browser} on {os} (mobile)",
  "visit.browser_mobile": "{browser} (mobile)",
  "visit.os_mobile": "on {os} (mobile)",

  // Files in a chat: attaching and uploading (chat-panel.js)
  "upload.attach": "Attach…",
  "upload.attach_title": "Attach files",
  "upload.uploading": "Uploading {name}… {percent}%",
  "upload.failed": "{name} was not sent: {reason}",
  "upload.dismiss": "Dismiss",
  "upload.network": "the server could not be reached",
  "upload.error": "error",
  "upload.chat_ended": "The chat has ended: files can no longer be sent.",
  "chat.verified": "verified",
  "chat.not_verified": "not verified",

  // The lead's dashboard: its top bar (dashboard.js)
  "dashboard.live": "Live",
  "dashboard.supervisors_only": "Supervisors only: {console}",
  "dashboard.open_console": "open the agent console",
  "dashboard.agent_short": "agent {id}",

  // Tickets: the list and one ticket (tickets.js)
  "tickets.title": "Tickets",
  "tickets.status_label": "Status",
  "tickets.filter.open_pending": "Open and pending",
  "tickets.filter.all": "All",
  "tickets.status.open": "Open",
  "tickets.status.pending": "Pending",
  "tickets.status.pending_confirmation": "Awaiting confirmation",
  "tickets.status.solved": "Solved",
  "tickets.status.closed": "Closed",
  "tickets.search_placeholder": "Subject or number (SD-000012)",
  "tickets.search_label": "Search tickets",
  "tickets.tag_label": "Tag",
  "tickets.any_tag": "Any tag",
  "tickets.search": "Search",
  "tickets.list_failed": "The tickets could not be listed",
  "tickets.none": "No tickets match.",
  "tickets.col.number": "Number",
  "tickets.col.subject": "Subject",
  "tickets.col.status": "Status",
  "tickets.col.priority": "Priority",
  "tickets.col.created": "Created",
  "tickets.col.response_due": "Response due",
  "tickets.loading": "Loading…",
  "tickets.open_failed": "The ticket could not be opened",
  "tickets.no_such": "There is no such ticket.",
  "tickets.back": "← All tickets",
  "tickets.fact.priority": "Priority",
  "tickets.fact.topic": "Topic",
  "tickets.fact.department": "Department",
  "tickets.fact.email": "Email",
  "tickets.fact.account": "Account",
  "tickets.fact.created": "Created",
  "tickets.fact.response_due": "Response due",
  "tickets.fact.resolution_due": "Resolution due",
  "tickets.fact.quota": "Tickets used",
  "tickets.fact.warranty": "Warranty",
  "tickets.quota": "{used} of {included} ({plan})",
  "tickets.quota_over": "{used} of {included} ({plan}), over quota",
  "tickets.yes": "yes",
  "tickets.reply_placeholder": "Reply to the customer (mailed to the ticket's email)",
  "tickets.reply_label": "Reply",
  "tickets.send_reply": "Send reply",
  "tickets.set_status": "Set status:",
  "tickets.description": "Description",
  "tickets.files": "Files",
  "tickets.transcript": "Chat transcript",
  "tickets.replies": "Replies",
  "tickets.no_replies": "No replies yet.",
  "tickets.close": "Close ticket",
  "tickets.close_title": "Close this ticket? The customer is told by email, and it leaves the open lists.",
  "tickets.status_failed": "The status was not changed",
  "tickets.status_set": "Status set to {status}; the customer is told by email.",
  "tickets.unstage": "Remove {name}",
  "tickets.file": "file",
  "tickets.reply_failed": "The reply was not sent",
  "tickets.reply_sent": "Reply sent to the customer.",
  "tickets.another_agent": "Another agent",
  "tickets.the_customer": "The customer",
  "tickets.change.reply": "{who} replied to the customer: the reply is below.",
  "tickets.change.status": "{who} set the status to {status}.",
  "tickets.change.other": "{who} changed this ticket.",
  "tickets.customer": "Customer",

  // Dashboard: the lead's actions (dashboard/actions.js)
  "actions.suspend.title": "Suspend or ban",
  "actions.suspend.intro": "Their open chats end at once and new chats are refused until it lifts. Tickets stay open to them.",
  "actions.suspend.submit": "Suspend",
  "actions.suspend.conflict": "They are suspended already: lift it first to change it.",
  "actions.suspend.days": "Days",
  "actions.suspend.ban": "Ban (fraud): until a supervisor lifts it",
  "actions.suspend.banned": "Banned {name} until lifted.",
  "actions.suspend.done": "Suspended {name} until {until}.",
  "actions.lift.title": "Lift a suspension or ban",
  "actions.lift.submit": "Lift",
  "actions.lift.not_found": "Nothing to lift: they are not suspended or banned now.",
  "actions.lift.done": "Lifted: {name} can chat again.",
  "actions.reassign.to": "To agent",
  "actions.reassign.agent": "{name} ({status}, {load}/{capacity})",
  "actions.reassign.agent_offline": "{name} ({status}, offline, {load}/{capacity})",
  "actions.reassign.nobody": "No other agent is there to take it",
  "actions.reassign.title": "Reassign the chat",
  "actions.reassign.intro": "The agent must be on shift, connected and have room; the history goes with the chat.",
  "actions.reassign.submit": "Reassign",
  "actions.reassign.done": "Chat reassigned.",
  "actions.exclude.title": "Exclude this survey",
  "actions.exclude.intro": "It stops counting in its agents' scores (CSAT). Say why: something staff could not control.",
  "actions.exclude.submit": "Exclude",
  "actions.exclude.done": "Survey excluded.",

  // Dashboard: the action dialog (dashboard/dialog.js)
  "dialog.ok": "OK",
  "dialog.reason": "Reason (kept in the audit log)",

  // Dashboard: shared pieces (dashboard/dom.js)
  "dom.visitor_id": "Visitor {id}",
  "dom.visitor": "Visitor",
  "dom.verified": "verified",
  "dom.seconds": "{seconds} s",

  // Dashboard: one chat, read-only (dashboard/chatview.js)
  "chatview.author.visitor": "Visitor",
  "chatview.author.agent": "Agent",
  "chatview.author.system": "Desk",
  "chatview.note_by": "Note by {name} (agents only)",
  "chatview.clock.first_response": "First response",
  "chatview.clock.response_gap": "Response gap",
  "chatview.clock.duration": "Chat length",
  "chatview.stage.warning": "warned",
  "chatview.stage.breach": "breached",
  "chatview.stage.convert": "became a ticket",
  "chatview.sla_event": "{clock} {stage} at {elapsed} of {limit} · {at}",
  "chatview.ended.visitor": "by the visitor",
  "chatview.ended.agent": "by the agent",
  "chatview.ended.converted": "as a ticket",
  "chatview.ended.abandoned": "when the visitor left",
  "chatview.ended.suspended": "by a suspension",
  "chatview.no_such": "No such chat.",
  "chatview.clocks_fired": "Clocks fired",
  "chatview.no_clock_fired": "No warning or breach",
  "chatview.fact.status": "Status",
  "chatview.fact.priority": "Priority",
  "chatview.fact.topic": "Topic",
  "chatview.fact.visitor": "Visitor",
  "chatview.fact.visitor_id": "Visitor id",
  "chatview.fact.account": "Account",
  "chatview.fact.site": "Site",
  "chatview.fact.agent": "Agent",
  "chatview.fact.handled_by": "Handled by",
  "chatview.fact.started": "Started",
  "chatview.fact.ended": "Ended",
  "chatview.unverified": "unverified",
  "chatview.plan": "plan {plan}",
  "chatview.reassign": "Reassign…",
  "chatview.suspend_visitor": "Suspend visitor…",
  "chatview.lift": "Lift…",
  "chatview.suspend_account": "Suspend account…",
  "chatview.no_messages": "No messages.",

  // Dashboard: alerts and surveys as list items (dashboard/feeds.js)
  "feeds.kind.sla_breach": "SLA breach",
  "feeds.kind.flag": "Flagged",
  "feeds.kind.repeat_chats": "Repeat chats",
  "feeds.kind.negative_surveys": "Negative surveys",
  "feeds.breach_agent": "{clock}: {elapsed} (limit {limit}) · {agent}",
  "feeds.breach_queued": "{clock}: {elapsed} (limit {limit}) · while queued",
  "feeds.flag_by": "by {agent}: {reason}",
  "feeds.an_agent": "an agent",
  "feeds.repeat.one": "{count} chat on “{topic}” while ticket {ticket} is open",
  "feeds.repeat.other": "{count} chats on “{topic}” while ticket {ticket} is open",
  "feeds.ratings": "ratings in a row: {ratings}",
  "feeds.chat_n": "Chat {n}",
  "feeds.open_chat": "Open the chat",
  "feeds.suspend": "Suspend…",
  "feeds.rating": "{rating} of 5",
  "feeds.excluded": "Excluded: {reason}",
  "feeds.exclude": "Exclude…",

  // Dashboard: choosing whom an action is about (dashboard/who.js)
  "who.account": "account {account}",
  "who.this_visitor": "this visitor",
  "who.the_visitor": "the visitor",
  "who.banned": "{who} banned until lifted",
  "who.suspended": "{who} suspended until {until}",
  "who.placeholder": "Name, email or account",
  "who.search_label": "Find a visitor by name, email or account",
  "who.label": "Who",
  "who.nobody": "Nobody found. Visitors are known once they have chatted.",
  "who.change": "Someone else…",
  "who.on_site": "on site {site}",
  "who.now": "Now: {hold}.",
  "who.scope": "Scope",
  "who.scope_visitor": "Only this visitor",
  "who.scope_account": "Their whole account {account} (every visitor of it)",
  "who.choose": "Choose who: search by name, email or account, then pick them in the list.",

  // Dashboard: canned replies and closures (dashboard/manage.js)
  "manage.edit": "Edit",
  "manage.delete": "Delete…",
  "manage.save": "Save changes",
  "manage.add": "Add",
  "manage.canned_saved": "Canned reply saved.",
  "manage.canned_added": "Canned reply added.",
  "manage.canned_delete_title": "Delete the canned reply /{shortcut}?",
  "manage.canned_delete_intro": "Agents will no longer find it in their replies.",
  "manage.canned_delete_submit": "Delete",
  "manage.canned_deleted": "Canned reply deleted.",
  "manage.closure_remove": "Remove…",
  "manage.closure_by": "by {name}",
  "manage.closure_added": "The desk is closed on {day}.",
  "manage.closure_remove_title": "Open the desk again on {day}?",
  "manage.closure_remove_intro": "The desk hours and weekly shifts apply that day again. This is audited.",
  "manage.closure_remove_submit": "Remove the closure",
  "manage.closure_removed": "Closure removed.",
};

/** The console's text for `key`, with `{name}` filled from `vars`. */
export function s(key, vars) {
  const text = en[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

/** The key of `key`'s plural form for `count` ("key.one", "key.other", ...
 * as Intl.PluralRules says; `.other` when there is no string for that form). */
export function pluralKey(key, count) {
  let category = "other";
  try {
    category = new Intl.PluralRules().select(count);
  } catch (_) {
    // No Intl.PluralRules (very old browsers): the "other" form.
  }
  const form = `${key}.${category}`;
  return form in en ? form : `${key}.other`;
}

/** `key`'s plural form for `count`, with `{count}` and `vars` filled. */
export function sn(key, count, vars = {}) {
  return s(pluralKey(key, count), { count, ...vars });
}

/** Like `s`, as a list of strings and nodes for el(): a `{name}` whose value
 * is a node is put in as that node, where the language's sentence wants it. */
export function parts(key, vars = {}) {
  const text = en[key] ?? key;
  return text.split(/\{(\w+)\}/).map((piece, i) => {
    if (i % 2 === 0) return piece;
    if (!(piece in vars)) return `{${piece}}`;
    const value = vars[piece];
    return typeof value === "string" || typeof value === "number" ? String(value) : value;
  }).filter((piece) => piece !== "");
}

/** The whole table (for the test that checks it; not for display). */
export const STRINGS = en;
