// Opens a report.html from disk in headless Chromium and prints what a reader would trip on, as
// JSON: console errors, network requests, charts without marks, table-of-contents links that do
// not resolve, horizontal scroll at 390 px, SVGs without a title, skipped heading levels.
// Usage: node report.mjs REPORT.html SCREENSHOT_DIR
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [report, shots] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "northstar-chromium-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-sync", "--disable-quic"],
});
const found = { consoleErrors: [], requests: [], emptyCharts: [], brokenLinks: [], scrollAt390: 0,
                untitledSvgs: [], headingSkips: [], charts: 0, links: 0 };
const page = await browser.newPage();
page.on("console", (m) => { if (m.type() === "error") found.consoleErrors.push(m.text()); });
page.on("pageerror", (e) => found.consoleErrors.push(String(e)));
page.on("request", (r) => { if (!r.url().startsWith("file:")) found.requests.push(r.url()); });
const url = pathToFileURL(report).href;
await page.setViewportSize({ width: 1280, height: 900 });
await page.goto(url);
await page.screenshot({ path: join(shots, "report-1280.png"), fullPage: true });
Object.assign(found, await page.evaluate(() => {
  const out = { emptyCharts: [], brokenLinks: [], untitledSvgs: [], headingSkips: [] };
  const svgs = [...document.querySelectorAll("svg")];
  out.charts = svgs.length;
  for (const svg of svgs) {
    const marks = svg.querySelectorAll("rect, circle, polyline, path");
    const visible = [...marks].filter((m) => { const b = m.getBBox(); return b.width > 0 || b.height > 0; });
    if (visible.length === 0) out.emptyCharts.push(svg.id);
    if (!svg.querySelector(":scope > title") || !svg.querySelector(":scope > title").textContent.trim()) out.untitledSvgs.push(svg.id);
  }
  const links = [...document.querySelectorAll("nav a[href^='#']")];
  out.links = links.length;
  for (const a of links) if (!document.getElementById(a.getAttribute("href").slice(1))) out.brokenLinks.push(a.getAttribute("href"));
  let last = 0;
  for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
    const level = Number(h.tagName[1]);
    if (level > last + 1) out.headingSkips.push(`${h.tagName} "${h.textContent.trim()}" after h${last}`);
    last = level;
  }
  return out;
}));
await page.setViewportSize({ width: 390, height: 844 });
await page.goto(url);
await page.screenshot({ path: join(shots, "report-390.png"), fullPage: true });
found.scrollAt390 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
await browser.close();
rmSync(profile, { recursive: true, force: true });
console.log(JSON.stringify(found));
