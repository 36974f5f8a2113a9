// Fill the upazila suggestions for the chosen district (the form works without this).
(function () {
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
