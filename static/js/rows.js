// Move ordered formset rows up and down and renumber their Position fields.
// Without JavaScript the Position numbers can be typed in directly.
(function () {
  document.documentElement.classList.add("js");
  function renumber(container) {
    var rows = container.querySelectorAll("[data-row]");
    rows.forEach(function (row, i) {
      var input = row.querySelector("input.order-input");
      if (input) { input.value = i + 1; }
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-move]");
    if (!button) { return; }
    var row = button.closest("[data-row]");
    var container = row.parentElement;
    if (button.dataset.move === "up" && row.previousElementSibling) {
      container.insertBefore(row, row.previousElementSibling);
    } else if (button.dataset.move === "down" && row.nextElementSibling && row.nextElementSibling.matches("[data-row]")) {
      container.insertBefore(row.nextElementSibling, row);
    }
    renumber(container);
    button.focus();
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "zeilen") { renumber(event.detail.target); }
  });
})();
