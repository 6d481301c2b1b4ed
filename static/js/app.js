// On every page: after a refused form, move focus to the error summary so that keyboard and
// screen-reader users hear what to correct.
(function () {
  "use strict";
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
