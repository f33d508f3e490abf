/** `GET /`: a small block explorer page (status, latest blocks, live events over SSE). */
export function explorerHtml(chainId: string): string {
  const safe = chainId.replace(/[^\x21-\x7e]/g, '').replace(/[<>&"']/g, '')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>govchain ${safe}</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left}
code{font-size:12px}#status{margin-bottom:1em}
</style></head><body>
<h1>govchain <code>${safe}</code></h1>
<div id="status">loading…</div>
<h2>Latest blocks</h2>
<table><thead><tr><th>height</th><th>hash</th><th>txs</th><th>time</th></tr></thead><tbody id="blocks"></tbody></table>
<script>
const fmt = (h) => '<code>' + h.slice(0, 16) + '…</code>'
async function status() {
  const s = await (await fetch('/v1/status')).json()
  document.getElementById('status').innerHTML =
    'node <b>' + s.node.name + '</b> (' + s.node.org + ') · height <b>' + s.height + '</b> · peers ' + s.peers +
    (s.syncing ? ' · syncing' : '') + ' · state root ' + fmt(s.stateRoot)
}
function addBlock(b) {
  const tr = document.createElement('tr')
  tr.innerHTML = '<td>' + b.height + '</td><td>' + fmt(b.hash) + '</td><td>' + b.txs.length + '</td><td>' +
    new Date(b.timeMs).toLocaleTimeString() + '</td>'
  const body = document.getElementById('blocks')
  body.insertBefore(tr, body.firstChild)
  while (body.children.length > 25) body.removeChild(body.lastChild)
}
status()
new EventSource('/v1/events?types=block').addEventListener('block', (e) => { addBlock(JSON.parse(e.data)); status() })
</script></body></html>
`
}
