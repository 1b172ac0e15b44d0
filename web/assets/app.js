// inspectrack's one script: an ES module loaded with <script type="module">.
//
// Pages work without it; it only enhances GOV.UK Frontend and MOJ Frontend
// components (those with a data-module attribute).
//
// The two imports name the unhashed files; web/build-assets.sh rewrites them
// to the content-hashed names that web/static serves as immutable, so this
// file's own hash changes whenever theirs do.

import { initAll as initGOVUKFrontend } from "./govuk-frontend.min.js";
import { initAll as initMOJFrontend } from "./moj-frontend.min.js";

// GOV.UK Frontend only styles and starts its JavaScript components when the
// body carries this class. The usual inline <script> that adds it is not
// allowed by the Content-Security-Policy (default-src 'self'), so it is added
// here. A module script runs after the document is parsed, so body exists.
document.body.classList.add("govuk-frontend-supported");

initGOVUKFrontend();
initMOJFrontend();

// Upload forms (form[data-module="app-upload"]): list the chosen files
// with their sizes, then send the form with XMLHttpRequest so that a
// progress bar can show how much has gone. The server's answer (the case
// after its redirect, or the form again with its errors) replaces the
// page's main content, as a plain submit would have shown it. Without
// JavaScript the form posts as usual; the server treats both alike.
function initUploadForms(scope) {
  for (const form of scope.querySelectorAll('form[data-module="app-upload"]')) {
    if (form.dataset.appUploadReady) {
      continue;
    }
    form.dataset.appUploadReady = "true";
    const input = form.querySelector('input[type="file"]');
    const chosen = form.querySelector(".app-upload__chosen");
    if (input && chosen) {
      input.addEventListener("change", () => listChosenFiles(input, chosen));
    }
    form.addEventListener("submit", (event) => {
      if (!window.FormData || !window.XMLHttpRequest) {
        return;
      }
      event.preventDefault();
      sendWithProgress(form);
    });
  }
}

// formatSize writes a size the way the server's pages do: "12 KB", "2.4 MB".
function formatSize(n) {
  if (n < 1024) {
    return n === 1 ? "1 byte" : `${n} bytes`;
  }
  if (n < 1024 * 1024) {
    return `${Math.round(n / 1024)} KB`;
  }
  const mb = n / (1024 * 1024);
  return mb < 10 ? `${mb.toFixed(1).replace(/\.0$/, "")} MB` : `${Math.round(mb)} MB`;
}

// listChosenFiles shows the names and sizes of the chosen files. Names go
// in as text, never as HTML.
function listChosenFiles(input, list) {
  list.replaceChildren();
  for (const file of input.files) {
    const item = document.createElement("li");
    const size = document.createElement("span");
    size.className = "app-upload__chosen-size";
    size.textContent = ` (${formatSize(file.size)})`;
    item.append(file.name, size);
    list.append(item);
  }
  list.hidden = input.files.length === 0;
}

function sendWithProgress(form) {
  const progress = form.querySelector(".app-upload__progress");
  const status = form.querySelector(".app-upload__status");
  const bar = form.querySelector(".app-upload__bar");
  const button = form.querySelector('button[type="submit"]');
  const say = (text) => {
    if (status) {
      status.textContent = text;
    }
  };
  const xhr = new XMLHttpRequest();
  xhr.open("POST", form.action);
  xhr.responseType = "document";
  xhr.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable && bar) {
      const percent = Math.floor((event.loaded * 100) / event.total);
      bar.value = percent;
      say(`Sending: ${percent}% of ${formatSize(event.total)}`);
    }
  });
  xhr.upload.addEventListener("load", () => {
    bar?.removeAttribute("value"); // an indeterminate bar while the server checks
    say("Sent. Checking the files…");
  });
  xhr.addEventListener("load", () => showAnswer(form, xhr));
  const failed = () => {
    if (button) {
      button.disabled = false;
    }
    if (progress) {
      progress.hidden = true;
    }
    window.alert("The upload did not finish: check your connection and try again. Nothing was sent.");
  };
  xhr.addEventListener("error", failed);
  xhr.addEventListener("abort", failed);
  if (button) {
    button.disabled = true;
  }
  if (progress) {
    progress.hidden = false;
  }
  say("Starting to send…");
  xhr.send(new FormData(form));
}

// showAnswer puts the server's page in place of the current one's main
// content and starts its components. A 200 is the case page the accepted
// form redirected to: the address moves there. The form shown again (422,
// 413) keeps the address of the form, so reloading it starts afresh.
function showAnswer(form, xhr) {
  const answer = xhr.response;
  const main = document.querySelector("main");
  const next = answer && answer.querySelector("main");
  if (!main || !next) {
    window.location.assign(xhr.responseURL || form.action);
    return;
  }
  const imported = document.importNode(next, true);
  main.replaceWith(imported);
  document.title = answer.title;
  if (xhr.status === 200 && xhr.responseURL) {
    window.history.pushState(null, "", xhr.responseURL);
  }
  window.scrollTo(0, 0);
  initGOVUKFrontend(imported);
  initMOJFrontend(imported);
  initUploadForms(imported);
}

initUploadForms(document);
