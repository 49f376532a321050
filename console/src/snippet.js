// A search hit's snippet (GET /api/search: segments {text, hit}) as DOM
// nodes: every segment is a text node, a hit wrapped in <mark>. What a
// visitor typed is never parsed as HTML, highlights included.
import { s } from "./strings.js";

/** @param {{text: string, hit: boolean}[]} segments */
export function snippetNode(segments) {
  const node = document.createElement("span");
  node.className = "snippet";
  node.setAttribute("data-sd", "search-snippet");
  for (const segment of Array.isArray(segments) ? segments : []) {
    const text = document.createTextNode(String((segment && segment.text) || ""));
    if (segment && segment.hit) {
      const mark = document.createElement("mark");
      mark.append(text);
      node.append(mark);
    } else {
      node.append(text);
    }
  }
  return node;
}

/** "Chat" or "Ticket SD-000012" for a result. */
export function resultTitle(result) {
  if (result.kind === "ticket" && result.ticket) return s("snippet.ticket_number", { number: result.ticket.number });
  if (result.kind === "ticket") return s("snippet.ticket");
  if (result.kind === "chat") return s("snippet.chat");
  return String(result.kind || "");
}

/** Who the result is about: the visitor's name, or "Visitor" (plus the agent). */
export function resultPeople(result) {
  const visitor = (result.visitor && result.visitor.name) || s("snippet.visitor");
  const agent = result.kind === "chat" ? result.chat && result.chat.agent : result.agent;
  return agent && agent.name ? s("snippet.visitor_agent", { visitor, agent: agent.name }) : visitor;
}
