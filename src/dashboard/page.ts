/**
 * The dashboard page (`GET /`): static HTML, no inline script or style, no
 * data. Its script (`/dashboard.js`) reads the API and the server-wide event
 * stream with the token the user gives; every value is inserted as text.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>drover dashboard</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/dashboard.css">
</head>
<body>
<header class="top">
  <h1><a href="#/" id="home">drover</a></h1>
  <p id="connection" class="connection" role="status" aria-live="polite">connecting…</p>
  <form id="token-form" class="token-form">
    <label for="token">Token</label>
    <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" placeholder="server secret">
    <button type="submit">Use token</button>
    <button type="button" id="forget-token">Forget token</button>
  </form>
</header>
<div id="alert" class="alert" role="alert" hidden></div>
<main id="main">
<div id="overview">
  <section class="panel wide" aria-labelledby="rate-title">
    <h2 id="rate-title">Jobs per second</h2>
    <div id="rate-chart" class="chart" role="img" aria-label="Chart of jobs per second"></div>
    <p class="legend"><span class="swatch ok"></span>succeeded <span class="swatch bad"></span>failed
      <span id="rate-summary" class="muted"></span></p>
  </section>
  <section class="panel" aria-labelledby="queues-title">
    <h2 id="queues-title">Queues</h2>
    <table>
      <thead><tr><th scope="col">Queue</th><th scope="col" class="num">Waiting</th><th scope="col" class="num">Active</th><th scope="col" class="num">Delayed</th><th scope="col" class="num">Succeeded</th><th scope="col" class="num">Failed</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
      <tbody id="queues"></tbody>
    </table>
    <p id="queues-truncated" class="muted" hidden>Only the first 1,000 queues are shown.</p>
  </section>
  <section class="panel" id="schedules-panel" aria-labelledby="schedules-title" hidden>
    <h2 id="schedules-title">Schedules</h2>
    <table>
      <thead><tr><th scope="col">Schedule</th><th scope="col">When</th><th scope="col">Task</th><th scope="col">Next</th><th scope="col">Last</th><th scope="col">Actions</th></tr></thead>
      <tbody id="schedules"></tbody>
    </table>
  </section>
  <section class="panel" aria-labelledby="workers-title">
    <h2 id="workers-title">Workers</h2>
    <form id="herd-form" class="herd-form">
      <span>In-server herd: <strong id="herd-size">–</strong></span>
      <label for="herd-input">Herd size</label>
      <input id="herd-input" name="num" type="number" min="0" max="100000" step="1" required inputmode="numeric">
      <button type="submit">Resize herd</button>
    </form>
    <p id="no-herd" class="muted" hidden>This server runs no herd (start it with <code>--tasks</code>).</p>
    <table>
      <thead><tr><th scope="col">Worker</th><th scope="col">Tasks</th><th scope="col" class="num">Concurrency</th><th scope="col" class="num">Active</th><th scope="col">Connected</th></tr></thead>
      <tbody id="workers"></tbody>
    </table>
  </section>
  <section class="panel" aria-labelledby="running-title">
    <h2 id="running-title">Running jobs</h2>
    <table>
      <thead><tr><th scope="col">Job</th><th scope="col">Task</th><th scope="col" class="num">Attempt</th><th scope="col">Since</th><th scope="col">Progress</th></tr></thead>
      <tbody id="running"></tbody>
    </table>
  </section>
  <section class="panel" aria-labelledby="recent-title">
    <h2 id="recent-title">Recent jobs</h2>
    <table>
      <thead><tr><th scope="col">Job</th><th scope="col">Task</th><th scope="col">Status</th><th scope="col" class="num">Attempt</th><th scope="col">When</th></tr></thead>
      <tbody id="recent"></tbody>
    </table>
  </section>
  <section class="panel wide" aria-labelledby="dead-title">
    <h2 id="dead-title">Dead letters</h2>
    <table>
      <thead><tr><th scope="col">Job</th><th scope="col">Task</th><th scope="col" class="num">Attempts</th><th scope="col">Error</th><th scope="col">Failed</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody id="dead"></tbody>
    </table>
  </section>
</div>
<div id="job-view" hidden>
  <p><a href="#/">← All jobs</a></p>
  <h2 id="job-title" tabindex="-1">Job <code id="job-id"></code></h2>
  <div class="job-actions">
    <button type="button" id="job-cancel">Cancel job</button>
    <button type="button" id="job-rerun">Re-run job</button>
  </div>
  <dl id="job-facts" class="facts"></dl>
  <section aria-labelledby="args-title"><h3 id="args-title">Arguments</h3><pre id="job-args" tabindex="0" aria-labelledby="args-title"></pre></section>
  <section id="job-result-box" aria-labelledby="result-title" hidden><h3 id="result-title">Result</h3><pre id="job-result" tabindex="0" aria-labelledby="result-title"></pre></section>
  <section id="job-error-box" aria-labelledby="error-title" hidden><h3 id="error-title">Error</h3><p id="job-error" class="error"></p><pre id="job-stack" tabindex="0" aria-label="Stack trace"></pre></section>
  <section aria-labelledby="reports-title"><h3 id="reports-title">Reports</h3><p id="job-reports-trimmed" class="muted" hidden></p><ol id="job-reports" class="reports"></ol></section>
  <section aria-labelledby="logs-title"><h3 id="logs-title">Log lines</h3><p id="job-logs-note" class="muted" hidden></p><ol id="job-logs" class="reports" aria-labelledby="logs-title"></ol></section>
</div>
</main>
<script src="/dashboard.js"></script>
</body>
</html>
`;

/** The page's icon (`/assets/favicon.svg`). */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d4ed8"/><path d="M8 22 L14 10 L18 18 L24 8" stroke="#fff" stroke-width="3" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>
`;
