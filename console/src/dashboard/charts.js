// The overview's charts, drawn with Chart.js on <canvas>: labels are drawn
// as canvas text, never parsed as HTML. Only what the charts use is
// registered, which keeps the bundle small. Chart.js sizes the canvas
// through the CSSOM (element.style), which the CSP allows; it injects no
// stylesheet.
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement,
  PointElement, Tooltip,
} from "chart.js";
import { dayText } from "./dom.js";
import { s } from "../strings.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement,
  Tooltip, Legend);

const BRAND = "#2457c5";
const LIGHT = "#9fb8ee";
const OK = "#3ebd93";
const BAD = "#d64545";

const BASE = {
  responsive: true,
  maintainAspectRatio: false,
  animation: false,
  plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
};

function make(canvas, config) {
  // Axis labels and grid lines in the page's theme (console.css variables),
  // as it is when the chart is drawn.
  const css = window.getComputedStyle(canvas);
  Chart.defaults.color = css.getPropertyValue("--muted").trim() || Chart.defaults.color;
  Chart.defaults.borderColor = css.getPropertyValue("--line").trim() || Chart.defaults.borderColor;
  return new Chart(canvas, { ...config, options: { ...BASE, ...config.options } });
}

export class Charts {
  constructor(root) {
    this.hourlyCanvas = root.querySelector('[data-sd="chart-hourly"]');
    this.hourlyZone = root.querySelector('[data-sd="hourly-tz"]');
    this.spreadCanvas = root.querySelector('[data-sd="chart-first-response"]');
    this.csatCanvas = root.querySelector('[data-sd="chart-csat"]');
    this.charts = {};
  }

  /** `data`: GET /api/reports/hourly. */
  hourly(data) {
    const hours = data.hours || [];
    const labels = hours.map((h) => s("charts.hour", { hour: String(h.hour).padStart(2, "0") }));
    this.set("hourly", this.hourlyCanvas, {
      type: "bar",
      data: {
        labels,
        datasets: [
          { label: s("charts.started"), data: hours.map((h) => h.started), backgroundColor: BRAND },
          { label: s("charts.taken"), data: hours.map((h) => h.handled), backgroundColor: LIGHT },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    this.hourlyCanvas.setAttribute("data-total", String(hours.reduce((n, h) => n + h.started, 0)));
    // the desk's hours, which a lead in another time zone would otherwise read as their own
    if (this.hourlyZone) this.hourlyZone.textContent = data.tz ? s("charts.hours_in", { tz: data.tz }) : "";
  }

  /** The first-response buckets of GET /api/reports/hourly: green within the target, red past it. */
  spread(data) {
    const spread = data.first_response || { buckets: [], limit_s: 60 };
    const labels = spread.buckets.map((b, i) => {
      const low = i ? spread.buckets[i - 1].le : 0;
      return b.le === null ? s("charts.bucket_over", { low }) : s("charts.bucket", { low, high: b.le });
    });
    const colors = spread.buckets.map((b) => (b.le !== null && b.le <= spread.limit_s ? OK : BAD));
    this.set("spread", this.spreadCanvas, {
      type: "bar",
      data: { labels, datasets: [{ label: s("charts.first_responses", { limit: spread.limit_s }),
        data: spread.buckets.map((b) => b.count), backgroundColor: colors }] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    this.spreadCanvas.setAttribute("data-total", String(spread.count || 0));
  }

  /** `days`: GET /api/reports/daily's. */
  csat(days) {
    const labels = days.map((d) => dayText(d.day, true));
    this.set("csat", this.csatCanvas, {
      type: "bar",
      data: {
        labels,
        datasets: [
          { type: "line", label: s("charts.csat"), data: days.map((d) => d.csat_pct), borderColor: BRAND,
            backgroundColor: BRAND, spanGaps: true, yAxisID: "pct", tension: 0.25 },
          { type: "bar", label: s("charts.ratings"), data: days.map((d) => d.csat_count), backgroundColor: "#e4e7eb", yAxisID: "n" },
        ],
      },
      options: {
        scales: {
          pct: { position: "left", min: 0, max: 100, ticks: { callback: (v) => s("charts.percent", { value: v }) } },
          n: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { precision: 0 } },
        },
      },
    });
    this.csatCanvas.setAttribute("data-total", String(days.reduce((n, d) => n + (d.csat_count || 0), 0)));
  }

  set(key, canvas, config) {
    if (!canvas) return;
    const chart = this.charts[key];
    if (chart && chart.config.type === config.type) {
      chart.data = config.data;
      chart.update();
    } else {
      if (chart) chart.destroy();
      this.charts[key] = make(canvas, config);
    }
  }
}
