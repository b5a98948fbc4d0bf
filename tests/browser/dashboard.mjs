// Drives the dashboard of a running `northstar serve` in headless Chromium with JavaScript off,
// as a reader would: signs in with a token, filters the accounts, opens one, scores a company,
// signs out. Prints what it found as JSON.
// Usage: node dashboard.mjs BASE_URL TOKEN SCREENSHOT_DIR
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [base, token, shots] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "northstar-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  javaScriptEnabled: false,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-sync", "--disable-quic"],
});
const found = { consoleErrors: [], foreignRequests: [], steps: {} };
const page = await context.newPage();
page.on("console", (m) => { if (m.type() === "error") found.consoleErrors.push(m.text()); });
page.on("request", (r) => { if (!r.url().startsWith(base)) found.foreignRequests.push(r.url()); });
await page.setViewportSize({ width: 1280, height: 900 });

await page.goto(base + "/");
found.steps.signInForm = await page.locator("form[action='/sign-in'] input[name=token]").count();
await page.fill("input[name=token]", token);
await Promise.all([page.waitForNavigation(), page.click("form[action='/sign-in'] button")]);
found.steps.home = await page.locator("h1").first().textContent();
const cookies = await context.cookies();
found.steps.cookies = cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite, holdsToken: c.value.includes(token.slice(3)) }));
await page.screenshot({ path: join(shots, "dashboard-home.png"), fullPage: true });

await page.goto(base + "/accounts");
await page.selectOption("select[name=tier]", "1");
await Promise.all([page.waitForNavigation(), page.click("form[action='/accounts'] button")]);
found.steps.filteredUrl = page.url();
found.steps.tierCells = await page.locator("tbody tr td:nth-child(3)").allTextContents();
await page.screenshot({ path: join(shots, "dashboard-accounts.png"), fullPage: true });
await Promise.all([page.waitForNavigation(), page.locator("tbody tr td a").first().click()]);
found.steps.accountTitle = await page.locator("h1").textContent();
found.steps.reasons = await page.locator("ul.rules").first().locator("li").allTextContents();
await page.setViewportSize({ width: 390, height: 844 });
found.steps.scrollAt390 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
await page.setViewportSize({ width: 1280, height: 900 });

await page.goto(base + "/score");
await page.fill("input[name=industry]", "Logistics");
await page.fill("input[name=employees]", "300");
await Promise.all([page.waitForNavigation(), page.click("form[action='/score'] button")]);
found.steps.scoreReading = await page.locator("p.reading").textContent();
await page.screenshot({ path: join(shots, "dashboard-score.png"), fullPage: true });

await Promise.all([page.waitForNavigation(), page.click("form[action='/sign-out'] button")]);
found.steps.afterSignOut = await page.locator("form[action='/sign-in']").count();
await context.close();
rmSync(profile, { recursive: true, force: true });
console.log(JSON.stringify(found));
