// The supervisor dashboard: the /supervisor socket (session cookie, same
// origin) and the REST API, on the pages of console/templates/dashboard/.
// The page says which one it is (data-page) and carries the CSRF token.
import { AccountView } from "./dashboard/account.js";
import { AccountSearch } from "./dashboard/accounts.js";
import { Actions } from "./dashboard/actions.js";
import { Audit } from "./dashboard/audit.js";
import { ChatView } from "./dashboard/chatview.js";
import { ActionDialog } from "./dashboard/dialog.js";
import { $, el, fill, shortId } from "./dashboard/dom.js";
import { History } from "./dashboard/history.js";
import { Integrations } from "./dashboard/integrations.js";
import { Canned, Closures } from "./dashboard/manage.js";
import { Api, connect } from "./dashboard/net.js";
import { Overview } from "./dashboard/overview.js";
import { People } from "./dashboard/people.js";
import { Reports } from "./dashboard/reports.js";
import { Sites } from "./dashboard/sites.js";
import { Tags } from "./dashboard/tags.js";
import { Topics } from "./dashboard/topics.js";
import { TILES } from "./dashboard/tiles.js";
import { isSignedOut, Rejoin, signedOut, watchLogout } from "./signed-out.js";
import { setupTheme } from "./theme.js";
import { parts, s } from "./strings.js";

const PAGES = {
  overview: (app) => new Overview(app),
  chat: (app) => new ChatView(app),
  reports: (app) => new Reports(app, TILES),
  audit: (app) => new Audit(app),
  canned: (app) => new Canned(app),
  closures: (app) => new Closures(app),
  tags: (app) => new Tags(app),
  history: (app) => new History(app),
  sites: (app) => new Sites(app),
  accounts: (app) => new AccountSearch(app),
  account: (app) => new AccountView(app),
  topics: (app) => new Topics(app),
  people: (app) => new People(app),
  integrations: (app) => new Integrations(app),
};

class Dashboard {
  constructor(root) {
    this.root = root;
    const data = root.dataset;
    this.today = data.today;
    this.suspensionDays = Number(data.suspensionDays) || 30;
    this.firstResponseS = Number(data.firstResponseS) || 60;
    this.api = new Api(data.csrf);
    this.dialog = new ActionDialog(root);
    this.actions = new Actions(this);
    this.agentList = [];
    this.connection = $(root, "connection");
    this.flashNode = $(root, "flash");
    this.flashTimer = null;
    this.socket = connect();
    this.bindSocket();
    closesOnItsOwn(root.querySelector(".nav-menu"));
    const make = PAGES[data.page];
    this.page = make ? make(this) : null;
  }

  bindSocket() {
    const socket = this.socket;
    const rejoin = new Rejoin(socket);
    watchLogout(this.root);
    socket.on("connect", () => this.setConnection(s("dashboard.live"), "up"));
    socket.on("disconnect", () => this.setConnection(s("console.reconnecting"), "down"));
    socket.on("connect_error", (err) => {
      const data = (err && err.data) || {};
      if (isSignedOut(data)) {
        rejoin.stop();
        signedOut();
      } else if (data.code === "forbidden") {
        rejoin.stop(); // signed in, but no longer a supervisor
        fill(this.connection, ...parts("dashboard.supervisors_only", { console: el("a", { href: "/console" }, s("dashboard.open_console")) }));
        this.connection.setAttribute("data-state", "down");
      } else {
        this.setConnection(s("console.reconnecting"), "down");
      }
    });
  }

  setConnection(text, state) {
    fill(this.connection, text);
    this.connection.setAttribute("data-state", state);
  }

  flash(text) {
    fill(this.flashNode, text);
    clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => fill(this.flashNode, ""), 8000);
  }

  /** The agents (GET /api/agents), kept for names and the reassign list;
   * the last list read when the endpoint fails. */
  async loadAgents() {
    try {
      this.agentList = (await this.api.get("/api/agents")).agents || [];
    } catch (err) {
      console.warn("agents:", err.message); // eslint-disable-line no-console
    }
    return this.agentList;
  }

  agents() {
    return this.agentList;
  }

  agentName(id) {
    const agent = this.agentList.find((a) => a.id === id);
    return agent ? agent.name : s("dashboard.agent_short", { id: shortId(id) });
  }
}

/** The nav's menu (a <details>) closes on a click elsewhere and on Escape,
 * as a menu does. */
function closesOnItsOwn(menu) {
  if (!menu) return;
  document.addEventListener("click", (event) => {
    if (menu.open && !menu.contains(event.target)) menu.open = false;
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
}

function main() {
  setupTheme();
  const root = document.querySelector('[data-sd="dashboard"]');
  if (root) window.shiftdeskDashboard = new Dashboard(root);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main, { once: true });
else main();
