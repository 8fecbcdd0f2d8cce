// @mention autocomplete for textareas carrying data-mention-url (the comment form of a project).
// Progressive enhancement only: without this file people type "@username" themselves and it works the same.
// Listeners sit on the document, so forms swapped in by htmx need no setup.
(function () {
  "use strict";

  // Letters of any script: people are found by their names too (@Dvořák), not only by user name.
  var TRIGGER = /(?:^|[^\p{L}\p{N}_.@])@([\p{L}\p{N}_.\-]{0,50})$/u;
  var DELAY_MS = 150;
  var timer = null;
  var sequence = 0;

  function isMentionField(element) {
    return element instanceof HTMLTextAreaElement && element.hasAttribute("data-mention-url");
  }

  function listOf(textarea) {
    return document.getElementById(textarea.getAttribute("aria-controls"));
  }

  // Whether the list is showing. A textarea may not carry aria-expanded (ARIA allows it only on roles such as
  // combobox, which a textarea may not take): the list's own hidden state says it instead.
  function isOpen(textarea) {
    var list = listOf(textarea);
    return Boolean(list && !list.hidden);
  }

  function typedQuery(textarea) {
    var match = TRIGGER.exec(textarea.value.slice(0, textarea.selectionStart));
    return match ? match[1] : null;
  }

  function options(list) {
    return Array.prototype.slice.call(list.querySelectorAll("[role=option]"));
  }

  function close(textarea) {
    var list = listOf(textarea);
    if (list) {
      list.hidden = true;
      list.textContent = "";
    }
    textarea.removeAttribute("aria-activedescendant");
  }

  function highlight(textarea, index) {
    var items = options(listOf(textarea));
    if (!items.length) {
      return;
    }
    index = (index + items.length) % items.length;
    items.forEach(function (item, position) {
      item.setAttribute("aria-selected", position === index ? "true" : "false");
    });
    textarea.setAttribute("aria-activedescendant", items[index].id);
    items[index].scrollIntoView({ block: "nearest" });
  }

  function selectedIndex(textarea) {
    return options(listOf(textarea)).findIndex(function (item) {
      return item.getAttribute("aria-selected") === "true";
    });
  }

  function show(textarea, people) {
    var list = listOf(textarea);
    if (!list) {
      return;
    }
    list.textContent = "";
    if (!people.length) {
      close(textarea);
      return;
    }
    people.forEach(function (person, position) {
      var item = document.createElement("li");
      item.id = list.id + "-" + position;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.username = person.username;
      item.textContent = person.name + " (@" + person.username + ")";
      list.appendChild(item);
    });
    list.hidden = false;
    highlight(textarea, 0);
  }

  function choose(textarea, username) {
    var caret = textarea.selectionStart;
    var before = textarea.value.slice(0, caret);
    var query = typedQuery(textarea) || "";
    var start = before.length - query.length;
    var inserted = username + " ";
    textarea.value = before.slice(0, start) + inserted + textarea.value.slice(caret);
    textarea.selectionStart = textarea.selectionEnd = start + inserted.length;
    close(textarea);
    textarea.focus();
  }

  function lookUp(textarea) {
    var query = typedQuery(textarea);
    if (query === null) {
      close(textarea);
      return;
    }
    var mine = ++sequence;
    var url = textarea.getAttribute("data-mention-url") + "?q=" + encodeURIComponent(query);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        // A slower answer to an older keystroke must not replace a newer one.
        if (mine === sequence && document.activeElement === textarea) {
          show(textarea, data.results || []);
        }
      })
      .catch(function () {
        close(textarea);
      });
  }

  document.addEventListener("input", function (event) {
    if (!isMentionField(event.target)) {
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(lookUp, DELAY_MS, event.target);
  });

  document.addEventListener("keydown", function (event) {
    var textarea = event.target;
    if (!isMentionField(textarea) || !isOpen(textarea)) {
      return;
    }
    var index = selectedIndex(textarea);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      highlight(textarea, index + (event.key === "ArrowDown" ? 1 : -1));
    } else if ((event.key === "Enter" || event.key === "Tab") && index >= 0) {
      event.preventDefault();
      choose(textarea, options(listOf(textarea))[index].dataset.username);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close(textarea);
    }
  });

  // mousedown, not click: choosing must happen before the textarea loses focus and closes the list.
  document.addEventListener("mousedown", function (event) {
    var item = event.target.closest ? event.target.closest(".mention-list [role=option]") : null;
    if (!item) {
      return;
    }
    var textarea = document.querySelector("textarea[aria-controls='" + item.parentElement.id + "']");
    if (textarea) {
      event.preventDefault();
      choose(textarea, item.dataset.username);
    }
  });

  document.addEventListener("focusout", function (event) {
    if (isMentionField(event.target)) {
      close(event.target);
    }
  });
})();
