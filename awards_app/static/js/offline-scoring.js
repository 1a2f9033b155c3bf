/* Scoring without a connection: an enhancement of the judge's pages, which
 * work without it.
 *
 * A score sheet's save or submission is queued on this phone
 * (localStorage) with an idempotency key, then sent through the API
 * (PUT /api/v1/nominations/<id>/score-sheet, POST .../submission) as soon as
 * the connection allows; a retry of the same save repeats its key, so the
 * server applies it once. A save the server refuses on return (the sheet
 * locked meanwhile, a conflict confirmed, scoring closed) stays on the
 * phone with its reason, its scores shown again on the sheet until the judge
 * dismisses it. The page says whether it is online and how many saves wait. */
(function () {
  "use strict";
  var status = document.getElementById("sync-status");
  if (!status || !window.fetch || !window.localStorage || !window.JSON) return;
  var QUEUE = "milset-score-queue";
  var texts = JSON.parse(status.getAttribute("data-texts"));
  var here = status.getAttribute("data-nomination");  // the sheet on this page, if any
  var form = document.querySelector("form[data-offline-sheet]");  // an open sheet: its saves are queued
  var sheet = document.querySelector("fieldset.criterion");
  var sheetForm = sheet ? sheet.form || sheet.closest("form") : null;  // open or locked
  var busy = false;
  var stale = false;  // this page is the phone's copy of a sheet the server has since refused a save on

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/judge/sw.js", {scope: "/judge/"}).catch(function () {});
  }

  function queue() {
    try { return JSON.parse(localStorage.getItem(QUEUE)) || []; } catch (e) { return []; }
  }
  function keep(entries) { localStorage.setItem(QUEUE, JSON.stringify(entries)); }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function say(text, tone) {
    status.hidden = false;
    status.textContent = text;
    status.className = "sync-status" + (tone ? " sync-" + tone : "");
  }

  // --- what the form holds, and putting it back ---------------------------------------

  function typed() {
    var scores = {};
    form.querySelectorAll("fieldset.criterion").forEach(function (fieldset) {
      var code = fieldset.getAttribute("data-code");
      var picked = fieldset.querySelector("input[type=radio]:checked") ||
                   fieldset.querySelector("input[type=number]");
      var value = picked && picked.value !== "" ? Number(picked.value) : null;
      var comment = (fieldset.querySelector("textarea") || {value: ""}).value;
      scores[code] = {value: value, comment: comment};
    });
    return scores;
  }

  function putBack(scores) {
    Object.keys(scores).forEach(function (code) {
      var fieldset = form.querySelector("fieldset.criterion[data-code='" + code + "']");
      if (!fieldset) return;
      var score = scores[code];
      if (score.value !== null) {
        var radio = fieldset.querySelector("input[type=radio][value='" + score.value + "']");
        var number = fieldset.querySelector("input[type=number]");
        if (radio) radio.checked = true;
        if (number) number.value = score.value;
      }
      var comment = fieldset.querySelector("textarea");
      if (comment) comment.value = score.comment || "";
    });
  }

  // --- the page's words ---------------------------------------------------------------

  // What the judge typed in a save the server refused, criterion by criterion, so nothing is lost
  // even on a sheet now locked with other scores.
  function typedList(scores) {
    var list = document.createElement("ul");
    list.className = "typed-scores";
    list.setAttribute("aria-label", texts.typed);
    Object.keys(scores).forEach(function (code) {
      var legend = document.getElementById("legend-" + code);
      var item = document.createElement("li");
      var s = scores[code];
      item.textContent = (legend ? legend.firstChild.textContent.trim() : code) + ": " +
        (s.value === null ? "—" : s.value) + (s.comment ? " — " + s.comment : "");
      list.appendChild(item);
    });
    return list;
  }

  function show() {
    var entries = queue();
    var waiting = entries.filter(function (e) { return e.state === "waiting"; }).length;
    var mine = entries.filter(function (e) { return e.nomination === here; })[0];
    var refusal = document.getElementById("sync-refusal");
    if (refusal) refusal.remove();
    if (mine && mine.state === "refused" && sheetForm) {
      var box = document.createElement("div");
      box.id = "sync-refusal";
      box.className = "flash flash-error";
      box.setAttribute("role", "alert");
      var reason = document.createElement("p");
      reason.textContent = texts.refused + " " + (texts.rules[mine.rule] || mine.message) + " [" + mine.rule + "]";
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "button-secondary";
      dismiss.textContent = texts.dismiss;
      dismiss.addEventListener("click", function () {
        keep(queue().filter(function (e) { return e.key !== mine.key; }));
        show();
      });
      box.appendChild(reason);
      box.appendChild(typedList(mine.scores));
      box.appendChild(dismiss);
      sheetForm.parentNode.insertBefore(box, sheetForm);
    }
    var line = navigator.onLine ? texts.online : texts.offline;
    if (waiting) line += " · " + texts.waiting.replace("{n}", waiting);
    say(line, navigator.onLine ? (waiting ? "waiting" : "online") : "offline");
  }

  // --- sending --------------------------------------------------------------------------

  function send(entry) {
    var url = "/api/v1/nominations/" + entry.nomination + "/score-sheet" +
              (entry.action === "submit" ? "/submission" : "");
    var scores = {};
    Object.keys(entry.scores).forEach(function (code) {
      var s = entry.scores[code];
      if (s.value !== null) scores[code] = {value: s.value, comment: s.comment || ""};
    });
    return fetch(url, {
      method: entry.action === "submit" ? "POST" : "PUT",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": entry.csrf, "Idempotency-Key": entry.key},
      body: JSON.stringify({scores: scores})
    });
  }

  function sync() {
    if (busy || !navigator.onLine) { show(); return Promise.resolve(); }
    busy = true;
    var entries = queue().filter(function (e) { return e.state === "waiting"; });
    var chain = Promise.resolve(true);
    entries.forEach(function (entry) {
      chain = chain.then(function (goOn) {
        if (!goOn) return false;
        return send(entry).then(function (response) {
          if (response.ok) {
            keep(queue().filter(function (e) { return e.key !== entry.key; }));
            if (entry.nomination === here) {
              if (entry.action === "submit") { window.location.reload(); return false; }
              say(texts.saved, "online");
            }
            return true;
          }
          if (response.status === 401 || response.status >= 500 ||
              (response.status === 400 && entry.retried)) {
            say(response.status === 401 ? texts.login : texts.later, "waiting");
            return false;  // kept: sent again when the judge is back or the server answers
          }
          return response.json().catch(function () { return {}; }).then(function (body) {
            var code = (body && body.code) || ("http." + response.status);
            if (code === "csrf.invalid") return renewToken(entry);
            if (response.status === 422 && entry.nomination === here && form) {
              // The page says which score needs what, in the judge's language: let it.
              keep(queue().filter(function (e) { return e.key !== entry.key; }));
              putBack(entry.scores);
              HTMLFormElement.prototype.submit.call(form);
              return false;
            }
            keep(queue().map(function (e) {
              return e.key === entry.key ? Object.assign(e, {state: "refused", rule: code,
                                                             message: body.message || ""}) : e;
            }));
            if (entry.nomination === here) stale = true;
            return true;
          });
        }, function () { return false; });  // no connection after all: stays queued
      });
    });
    return chain.then(function () {
      busy = false;
      // The sheet as the server holds it now (locked, say), with the refusal and what was typed above it.
      if (stale) { window.location.reload(); return; }
      show();
    }, function () { busy = false; show(); });
  }

  // The form's token expired while the phone was offline for long: a fresh one from the sheet's page.
  function renewToken(entry) {
    return fetch("/judge/nominations/" + entry.nomination, {credentials: "same-origin"})
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var token = (/name="csrf_token" value="([^"]+)"/.exec(html) || [])[1];
        keep(queue().map(function (e) {
          return e.key === entry.key ? Object.assign(e, {csrf: token || e.csrf, retried: true}) : e;
        }));
        setTimeout(sync, 0);  // once this round of sending has ended
        return false;
      });
  }

  // --- the sheet's form -----------------------------------------------------------------

  if (form) {
    var mine = queue().filter(function (e) { return e.nomination === here; })[0];
    if (mine) putBack(mine.scores);  // what was typed, waiting or refused, is on the open sheet again
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var action = event.submitter && event.submitter.value === "submit" ? "submit" : "save";
      // The latest save of a sheet replaces its earlier ones: it holds all they held.
      var others = queue().filter(function (e) { return e.nomination !== here; });
      others.push({key: newKey(), nomination: here, action: action, scores: typed(),
                   csrf: form.querySelector("input[name=csrf_token]").value, state: "waiting"});
      keep(others);
      sync();
    });
  }

  // --- the dashboard: keep every assigned sheet on the phone ---------------------------

  var sheets = Array.prototype.map.call(document.querySelectorAll("a[data-keep-offline]"),
                                        function (a) { return a.getAttribute("href"); });
  if (sheets.length && window.caches && navigator.onLine) {
    caches.open("milset-pages-v1").then(function (cache) { return cache.addAll(sheets); }).catch(function () {});
  }

  // Logging out deletes what this phone keeps (the server asks the browser to): saves still waiting would go too.
  var logout = document.querySelector("form.logout");
  if (logout) {
    logout.addEventListener("submit", function (event) {
      var waiting = queue().filter(function (e) { return e.state === "waiting"; }).length;
      if (waiting && !window.confirm(texts.logout.replace("{n}", waiting))) event.preventDefault();
    });
  }

  window.addEventListener("online", sync);
  window.addEventListener("offline", show);
  setInterval(function () { if (queue().some(function (e) { return e.state === "waiting"; })) sync(); }, 20000);
  sync();
})();
