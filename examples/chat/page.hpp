// The chat page: plain HTML and JavaScript, no build step. It reconnects by
// itself with a growing back-off when the connection drops, and says so. Its
// URL's ?name= and ?room= go to /chat; #here lists who is in the room.
#pragma once

inline constexpr const char* chat_page = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ringkit chat</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:16px/1.45 system-ui,sans-serif;max-width:46em;margin:1.5em auto;padding:0 1em;color:#222}
#log{border:1px solid #ccc;border-radius:6px;height:22em;overflow-y:auto;padding:.5em;background:#fafafa}
#log p{margin:.15em 0}.sys{color:#777;font-style:italic}.from{font-weight:600}
form{display:flex;gap:.5em;margin-top:.6em}#text{flex:1;padding:.4em}button{padding:.4em 1em}
#status{font-size:.9em;color:#555}#status.down{color:#b00}#here{font-size:.9em;color:#555}
</style></head>
<body>
<h1>ringkit chat</h1>
<p id="status">connecting&hellip;</p>
<p id="here"></p>
<div id="log" aria-live="polite"></div>
<form id="send"><input id="text" autocomplete="off" placeholder="say something" disabled><button id="go" disabled>Send</button></form>
<script>
const log = document.getElementById('log'), status = document.getElementById('status');
const text = document.getElementById('text'), go = document.getElementById('go');
const params = new URLSearchParams(location.search);
const name = params.get('name') || prompt('Your name?', 'guest' + Math.floor(Math.random() * 1000)) || 'guest';
const room = params.get('room') ? '&room=' + encodeURIComponent(params.get('room')) : '';
// Who is in the room: the welcome's list, then each join and leave. The server
// may shorten a name, so "me" is the name the welcome gives.
const here = document.getElementById('here');
let names = [], me = null, ownJoin = false;
function showHere() { here.textContent = names.length ? 'here: ' + names.join(', ') : ''; }
function line(cls, who, what) {
  const p = document.createElement('p');
  if (cls) p.className = cls;
  if (who) { const b = document.createElement('span'); b.className = 'from'; b.textContent = who + ': '; p.append(b); }
  p.append(document.createTextNode(what));
  log.append(p); log.scrollTop = log.scrollHeight;
}
let ws, delay = 250;
function connect() {
  ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/chat?name=${encodeURIComponent(name)}${room}`);
  ws.onopen = () => { delay = 250; status.textContent = 'connected as ' + name; status.className = '';
                      text.disabled = go.disabled = false; text.focus(); };
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.type === 'message') line('', m.from, m.text);
    else if (m.type === 'join') {
      line('sys', '', m.from + ' joined');
      if (ownJoin && m.from === me) ownJoin = false;  // already in the welcome's list
      else { names.push(m.from); names.sort(); showHere(); }
    } else if (m.type === 'leave') {
      line('sys', '', m.from + ' left');
      const i = names.indexOf(m.from);
      if (i >= 0) { names.splice(i, 1); showHere(); }
    } else if (m.type === 'welcome') {
      line('sys', '', 'welcome, ' + m.from + ' (' + m.text + ')');
      me = m.from; ownJoin = true; names = m.names || []; showHere();
    }
  };
  ws.onclose = () => {
    text.disabled = go.disabled = true;
    status.className = 'down';
    status.textContent = `disconnected; reconnecting in ${(delay / 1000).toFixed(1)} s`;
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 5000);
  };
}
document.getElementById('send').onsubmit = (e) => {
  e.preventDefault();
  if (text.value && ws.readyState === WebSocket.OPEN) { ws.send(text.value); text.value = ''; }
};
connect();
</script></body></html>
)html";
