// Progressive enhancement only: every page works without this file.
"use strict";
const summary = document.querySelector("[data-error-summary]");
if (summary) {
  summary.focus();
  // A link in the error summary puts the cursor in its field (the browser would only scroll).
  summary.addEventListener("click", (event) => {
    const field = event.target.hash && document.getElementById(event.target.hash.slice(1));
    if (field) { event.preventDefault(); field.scrollIntoView({ block: "center" }); field.focus(); }
  });
}
// Live progress: each Server-Sent Event carries the progress section rendered anew by the server.
const live = document.querySelector("[data-live]");
if (live && window.EventSource) {
  const source = new EventSource(live.dataset.live);
  source.addEventListener("progress", (event) => { live.querySelector("[data-progress]").innerHTML = event.data; });
  source.addEventListener("status", (event) => { document.getElementById("live-status").textContent = event.data; });
  source.addEventListener("end", () => source.close());
}
