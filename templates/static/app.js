// gongzhi's only script. The Content-Security-Policy allows scripts from our own files alone,
// so behaviour is attached here rather than in onclick="" attributes.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // <button data-print>: print the page (the storefront plaque).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });
});
