// Progressive help for the forms (every form works without this script):
// - upazila suggestions for the chosen district (both scripts, from the gazetteer);
// - each date box echoes its date in words ("2 Sep 2026"), since the browser may show 09/02/2026.
(function () {
  var lang = document.documentElement.lang === "bn" ? "bn-BD" : "en-GB";
  document.querySelectorAll("input[type=date]").forEach(function (input) {
    var echo = document.createElement("span");
    echo.className = "hint date-echo";
    echo.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", echo);
    function show() {
      var parts = (input.value || "").split("-");
      if (parts.length !== 3) { echo.textContent = ""; return; }
      var d = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
      echo.textContent = d.toLocaleDateString(lang, {day: "numeric", month: "short", year: "numeric", timeZone: "UTC"});
    }
    input.addEventListener("change", show);
    input.addEventListener("input", show);
    show();
  });

  var district = document.getElementById("home_district") || document.getElementById("district");
  var list = document.getElementById("upazilas");
  if (!district || !list) return;
  var last = "";
  function load() {
    var value = district.value.trim();
    if (!value || value === last) return;
    last = value;
    fetch("/web/places/upazilas?district=" + encodeURIComponent(value), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (names) {
        list.textContent = "";
        names.forEach(function (n) { var o = document.createElement("option"); o.value = n; list.appendChild(o); });
      })
      .catch(function () {});
  }
  district.addEventListener("change", load);
  district.addEventListener("blur", load);
})();
