// Small progressive enhancements; every form works without this file.
// After htmx swaps in a fragment carrying an error, move focus to it so keyboard and screen-reader users
// notice. event.target is the element now in the page (for outerHTML swaps too); history restores have none.
document.addEventListener("htmx:afterSwap", function (event) {
  var root = event.target;
  if (!root || !root.querySelector) {
    return;
  }
  var alert = root.matches && root.matches("[role=alert]") ? root : root.querySelector("[role=alert]");
  if (alert) {
    alert.setAttribute("tabindex", "-1");
    alert.focus();
    return;
  }
  // A result message that asks for the focus (tabindex=-1), e.g. "Done: the project moved to …" after a
  // transition: the button pressed may be gone from the swapped panel, and the focus with it.
  var outcome = root.querySelector("[role=status][tabindex='-1']");
  if (outcome) {
    outcome.focus();
  }
});
