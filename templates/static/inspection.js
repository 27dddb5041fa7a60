// gongzhi: the inspection form on a phone (progressive enhancement: the form works without this).
// - checklist deductions get - / + steppers (the box stays empty for full marks);
// - the violation catalogue becomes a searchable list: a tap fills the next empty violation row;
// - the form's fields are kept as a draft in localStorage (per merchant), restored after a reload
//   or a dropped connection, and cleared once the inspection's result page has been reached.
(function () {
  "use strict";
  var PREFIX = "gongzhi.inspection.draft.";

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  // The result page after a save: forget the drafts that were sent for this merchant.
  var saved = document.getElementById("insp-saved");
  if (saved) {
    var ls0 = store();
    if (ls0) {
      ["merchant-" + saved.getAttribute("data-merchant"), "new", "edit-" + saved.getAttribute("data-id")].forEach(function (k) {
        var raw = ls0.getItem(PREFIX + k);
        if (!raw) { return; }
        try {
          var d = JSON.parse(raw);
          if (d && d.submitted) { ls0.removeItem(PREFIX + k); }
        } catch (e) { ls0.removeItem(PREFIX + k); }
      });
    }
    return;
  }

  var form = document.getElementById("insp-form");
  if (!form) { return; }

  // --- steppers -------------------------------------------------------------------------------
  function stepButton(text, label, delta, input) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "form-step-button";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.setAttribute("data-for", input.id);
    b.addEventListener("click", function () {
      var max = parseInt(input.getAttribute("max"), 10) || 0;
      var v = parseInt(input.value, 10);
      if (isNaN(v)) { v = 0; }
      v = Math.max(0, Math.min(max, v + delta));
      input.value = v === 0 ? "" : String(v);
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    return b;
  }
  Array.prototype.forEach.call(form.querySelectorAll(".form-step"), function (wrap) {
    var input = wrap.querySelector("input");
    if (!input) { return; }
    wrap.classList.add("form-step-on");
    wrap.insertBefore(stepButton("\u2212", form.getAttribute("data-step-less") || "-1", -1, input), input);
    wrap.appendChild(stepButton("+", form.getAttribute("data-step-more") || "+1", 1, input));
  });

  // --- the catalogue ---------------------------------------------------------------------------
  var cat = document.getElementById("form-catalogue");
  if (cat) {
    cat.hidden = false;
    var q = document.getElementById("form-catalogue-q");
    var none = document.getElementById("form-catalogue-none");
    var picks = cat.querySelectorAll(".form-pick");
    var filter = function () {
      var words = (q.value || "").toLowerCase().trim().split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(picks, function (b) {
        var hay = b.getAttribute("data-search") || "";
        var ok = words.every(function (w) { return hay.indexOf(w) >= 0; });
        b.parentNode.hidden = !ok;
        if (ok) { shown += 1; }
      });
      if (none) { none.hidden = shown > 0; }
    };
    q.addEventListener("input", filter);
    var field = function (row, name) { return form.querySelector("[name='v" + row + "_" + name + "']"); };
    var blank = function (row) {
      return ["code", "description", "legal_basis", "fine"].every(function (n) {
        var f = field(row, n);
        return !f || !f.value.trim();
      });
    };
    Array.prototype.forEach.call(picks, function (b) {
      b.addEventListener("click", function () {
        var row = 0;
        while (field(row, "code") && !blank(row)) { row += 1; }
        if (!field(row, "code")) {
          window.alert(form.getAttribute("data-full") || "");
          return;
        }
        var set = function (name, value) {
          var f = field(row, name);
          if (f) { f.value = value; }
        };
        set("type", b.getAttribute("data-code"));
        set("code", b.getAttribute("data-code"));
        set("severity", b.getAttribute("data-severity"));
        set("description", b.getAttribute("data-title"));
        set("legal_basis", b.getAttribute("data-basis"));
        set("fine", b.getAttribute("data-fine"));
        var details = field(row, "code").closest("details");
        if (details) { details.open = true; }
        b.classList.add("form-picked");
        q.value = "";
        filter();
        save();
      });
    });
  }

  // --- the draft -------------------------------------------------------------------------------
  var ls = store();
  var key = PREFIX + (form.getAttribute("data-draft-key") || "new");
  var fields = function () {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf" && !el.hasAttribute("data-no-draft") && el.type !== "submit" && el.type !== "file";
    });
  };
  var values = function () {
    var out = {};
    fields().forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) { out[el.name] = el.value; } else if (!(el.name in out)) { out[el.name] = null; }
      } else {
        out[el.name] = el.value;
      }
    });
    return out;
  };
  var initial = JSON.stringify(values());
  function save(submitted) {
    if (!ls) { return; }
    var now = values();
    if (!submitted && JSON.stringify(now) === initial) { ls.removeItem(key); return; }
    try {
      ls.setItem(key, JSON.stringify({ at: Date.now(), submitted: !!submitted, values: now }));
    } catch (e) { /* storage full or denied: the form still works */ }
  }
  function restore(saved) {
    fields().forEach(function (el) {
      if (!(el.name in saved)) { return; }
      var v = saved[el.name];
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = v !== null && el.value === v;
      } else if (v !== null) {
        el.value = v;
      }
      if (el.value && el.closest) {
        var d = el.closest("details");
        if (d && el.tagName !== "SELECT" && el.type !== "hidden") { d.open = true; }
      }
    });
  }
  if (ls) {
    // A form the server sent back (problems or the same-day warning) holds what was sent: keep it.
    var fromServer = document.getElementById("form-errors") || document.getElementById("form-same-day");
    var raw = ls.getItem(key);
    if (raw && !fromServer) {
      try {
        var d = JSON.parse(raw);
        if (d && d.values && JSON.stringify(d.values) !== initial) {
          restore(d.values);
          // Mark the catalogue entries the restored rows were picked from.
          Array.prototype.forEach.call(form.querySelectorAll(".form-type"), function (sel) {
            if (!sel.value) { return; }
            var b = form.querySelector(".form-pick[data-code='" + sel.value.replace(/'/g, "") + "']");
            if (b) { b.classList.add("form-picked"); }
          });
          var note = document.getElementById("form-draft");
          if (note) {
            note.hidden = false;
            var discard = document.getElementById("form-draft-discard");
            discard.addEventListener("click", function () {
              ls.removeItem(key);
              window.location.reload();
            });
          }
        }
      } catch (e) { ls.removeItem(key); }
    }
    form.addEventListener("input", function () { save(false); });
    form.addEventListener("change", function () { save(false); });
    form.addEventListener("submit", function () { save(true); });
  }
})();
