// The todo page's script: talks to the JSON API under /api/todos. Unsafe methods
// carry the anti-forgery token the server put in <meta name="csrf-token">.
"use strict";

const token = document.querySelector('meta[name="csrf-token"]').content;
const list = document.getElementById("todos");
const form = document.getElementById("new-todo");
const status = document.getElementById("status");

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

function render(todos) {
  list.replaceChildren(
    ...todos.map((t) => {
      const li = document.createElement("li");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = t.done;
      box.onchange = () => api("PATCH", `/api/todos/${t.id}`, { done: box.checked }).then(refresh, show);
      const text = document.createElement("span");
      text.textContent = t.title;  // never innerHTML: titles are user input
      if (t.done) text.className = "done";
      const del = document.createElement("button");
      del.textContent = "×";
      del.title = "delete";
      del.onclick = () => api("DELETE", `/api/todos/${t.id}`).then(refresh, show);
      li.append(box, text, del);
      return li;
    })
  );
  status.textContent = `${todos.filter((t) => !t.done).length} left`;
}

function show(err) {
  status.textContent = err.message;
}

function refresh() {
  return api("GET", "/api/todos").then(render, show);
}

form.onsubmit = (e) => {
  e.preventDefault();
  const title = form.title.value.trim();
  if (!title) return;
  api("POST", "/api/todos", { title }).then(() => {
    form.title.value = "";
    return refresh();
  }, show);
};

refresh();
