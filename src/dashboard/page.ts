/**
 * The dashboard page (`GET /`): static HTML. It holds no data; its script
 * reads the API with the token the user types (kept in sessionStorage).
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>drover</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
  body { margin: 0 auto; max-width: 70rem; padding: 1rem 1.5rem 3rem; }
  header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; }
  h1 { margin: 0.5rem 0; font-size: 1.5rem; }
  h2 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid #e3e6ea; }
  th { background: #eef0f3; font-weight: 600; }
  td.num, th.num { text-align: right; }
  .muted { color: #6b7280; }
  .error { color: #b42318; }
  form { display: inline-flex; gap: 0.4rem; align-items: center; }
  input { padding: 0.25rem 0.4rem; }
  button { padding: 0.25rem 0.7rem; cursor: pointer; }
  code { font-size: 0.9em; }
</style>
</head>
<body>
<header>
  <h1>drover</h1>
  <span id="status" class="muted">loading…</span>
  <form id="token-form"><label>Token <input id="token" type="password" autocomplete="off" size="24"></label><button>Use</button></form>
</header>
<h2>Herd</h2>
<form id="herd-form"><span>In-server herd size: <strong id="herd-size">–</strong></span>
  <input id="herd-input" type="number" min="0" max="100000" step="1" required aria-label="new herd size"><button>Resize</button></form>
<h2>Queues</h2>
<table><thead><tr><th>queue</th><th class="num">waiting</th><th class="num">active</th><th class="num">delayed</th><th class="num">succeeded</th><th class="num">failed</th></tr></thead><tbody id="queues"></tbody></table>
<h2>Workers</h2>
<table><thead><tr><th>id</th><th>name</th><th>tasks</th><th class="num">concurrency</th><th class="num">active</th><th>last seen</th></tr></thead><tbody id="workers"></tbody></table>
<h2>Dead letters <span class="muted">(failed jobs)</span></h2>
<table><thead><tr><th>id</th><th>task</th><th class="num">attempts</th><th>error</th><th>finished</th><th></th></tr></thead><tbody id="failed"></tbody></table>
<script src="/dashboard.js"></script>
</body>
</html>
`;
