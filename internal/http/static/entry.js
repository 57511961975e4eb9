// entrypay's customer pages work without this script; with it, the amount page gets a
// keypad and a live, locale-formatted amount, and the result page updates by itself.
(function () {
  "use strict";
  var form = document.getElementById("amount-form");
  if (form) {
    var input = document.getElementById("amount");
    var display = document.getElementById("amount-display");
    var keypad = document.getElementById("keypad");
    var digits = parseInt(form.getAttribute("data-digits"), 10) || 0;
    var currency = form.getAttribute("data-currency");
    var locale = form.getAttribute("data-locale");
    var sent = false;
    var format = function (v) {
      if (!v) return "";
      try {
        return new Intl.NumberFormat(locale, { style: "currency", currency: currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(Number(v));
      } catch (e) {
        return v + " " + currency;
      }
    };
    var update = function () { if (display && input) display.textContent = format(input.value.replace(",", ".")); };
    if (input && keypad) {
      keypad.hidden = false;
      input.setAttribute("readonly", "readonly");
      keypad.addEventListener("click", function (e) {
        var key = e.target.getAttribute && e.target.getAttribute("data-key");
        if (!key) return;
        var v = input.value;
        var dot = v.indexOf(".");
        if (key === "del") {
          v = v.slice(0, -1);
        } else if (key === ".") {
          if (digits === 0 || dot >= 0) return;
          v = (v || "0") + ".";
        } else {
          if (dot >= 0 && v.length - dot - 1 + key.length > digits) return;
          if (v === "0") v = "";
          if (v === "" && key === "00") return;
          if ((v + key).replace(".", "").length > 13) return;
          v = v + key;
        }
        input.value = v;
        update();
      });
    }
    if (input) input.addEventListener("input", update);
    form.addEventListener("submit", function (e) {
      if (sent) { e.preventDefault(); return; }
      sent = true;
    });
    update();
  }
  var result = document.getElementById("result");
  if (result && result.getAttribute("data-final") === "false") {
    var url = result.getAttribute("data-status-url");
    var poll = function () {
      fetch(url, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (s) {
        if (s.final) { location.reload(); } else { setTimeout(poll, 2000); }
      }).catch(function () { setTimeout(poll, 4000); });
    };
    setTimeout(poll, 2000);
  }
})();
