//! The page's one stylesheet, inline: readable on a laptop and a phone, printable, with enough
//! contrast (text #1a1a1a on white; marks in a blue and a red that pass WCAG AA on white).

/// The stylesheet.
pub const CSS: &str = r#"
:root { --ink: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --good: #1f5fa8; --bad: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 1rem; color: var(--ink); background: #fff;
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 1.8rem; margin: 0.5rem 0; }
h2 { font-size: 1.4rem; margin-top: 2.5rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.1rem; }
p.lede { font-size: 1.1rem; }
p.reading { font-weight: 600; }
nav ol { columns: 2; padding-left: 1.2rem; }
a { color: var(--good); }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.n, th.n { text-align: right; white-space: nowrap; }
td:first-child { min-width: 12rem; }
ul.rules li { margin: 0.2rem 0; }
.slide { border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 1rem; }
svg.chart { width: 100%; height: auto; display: block; }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .grid { stroke: #e6e6e6; stroke-width: 1; }
svg .reference { stroke: var(--muted); stroke-dasharray: 4 3; }
svg .series { fill: none; stroke: var(--good); stroke-width: 2.5; }
svg .bar { fill: var(--good); }
svg .bar.negative { fill: var(--bad); }
svg .mark { fill: var(--bad); }
svg .mark.peak { fill: var(--good); stroke: #fff; stroke-width: 2; }
svg .whisker { stroke: var(--ink); stroke-width: 1.5; }
svg text { fill: var(--ink); font-size: 12px; }
svg .tick { fill: var(--muted); font-size: 11px; }
footer { margin-top: 3rem; color: var(--muted); font-size: 0.85rem; }
@media (max-width: 480px) { nav ol { columns: 1; } body { padding: 0.6rem; } }
@media print {
  nav { display: none; }
  body { max-width: none; font-size: 11pt; }
  section { break-inside: avoid-page; }
  h2 { break-before: page; }
  a { color: var(--ink); text-decoration: none; }
}
"#;
