// The upload page: plain HTML and JavaScript, no build step. XMLHttpRequest
// (not fetch) because only it reports upload progress.
#pragma once

inline constexpr const char* upload_page = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ringkit upload</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:44em;margin:2em auto;padding:0 1em;color:#222}
#drop{border:2px dashed #aaa;border-radius:8px;padding:1.5em;text-align:center}
#drop.over{border-color:#06c;background:#f0f6ff}
progress{width:100%;height:1.2em;margin-top:1em}
#status.error{color:#b00}
td{padding:.1em .8em .1em 0}
</style></head>
<body>
<h1>Upload files</h1>
<form id="form"><div id="drop">
  <input type="file" id="files" name="file" multiple>
  <p>or drop files here</p>
  <button id="go">Upload</button>
</div></form>
<progress id="bar" max="1" value="0"></progress>
<p id="status">choose one or more files</p>
<h2>Uploaded</h2>
<table id="list"></table>
<script>
const form = document.getElementById('form'), input = document.getElementById('files');
const bar = document.getElementById('bar'), status = document.getElementById('status');
const drop = document.getElementById('drop'), list = document.getElementById('list');
const mb = (n) => (n / 1048576).toFixed(1) + ' MB';

function say(text, error) { status.textContent = text; status.className = error ? 'error' : ''; }

async function refresh() {
  const files = await (await fetch('/files')).json();
  list.replaceChildren(...files.map((f) => {
    const row = document.createElement('tr'), a = document.createElement('a');
    a.href = '/files/' + encodeURIComponent(f.name); a.textContent = f.name;
    row.append(document.createElement('td'), document.createElement('td'));
    row.cells[0].append(a); row.cells[1].textContent = f.size + ' bytes';
    return row;
  }));
}

function upload(files) {
  if (!files.length) { say('choose one or more files', true); return; }
  // Empty, not still full from the last upload until the first progress event.
  bar.max = 1; bar.value = 0;
  const data = new FormData();
  for (const f of files) data.append('file', f);
  const xhr = new XMLHttpRequest(), started = performance.now();
  xhr.upload.onprogress = (e) => {
    if (!e.lengthComputable) return;
    bar.max = e.total; bar.value = e.loaded;
    const seconds = (performance.now() - started) / 1000;
    say(`sent ${mb(e.loaded)} of ${mb(e.total)}` + (seconds > 0 ? `, ${mb(e.loaded / seconds)}/s` : ''));
  };
  xhr.onload = () => {
    if (xhr.status === 201) {
      const saved = JSON.parse(xhr.responseText);
      say('uploaded ' + saved.map((f) => `${f.saved_as} (${f.size} bytes)`).join(', '));
      refresh();
    } else {
      say(`the server said ${xhr.status}: ${xhr.responseText}`, true);
    }
  };
  xhr.onerror = () => say('the upload failed: connection lost', true);
  xhr.open('POST', '/upload');
  xhr.send(data);
  say('uploading…');
}

form.onsubmit = (e) => { e.preventDefault(); upload(input.files); };
drop.ondragover = (e) => { e.preventDefault(); drop.className = 'over'; };
drop.ondragleave = () => { drop.className = ''; };
drop.ondrop = (e) => { e.preventDefault(); drop.className = ''; upload(e.dataTransfer.files); };
refresh();
</script></body></html>
)html";
