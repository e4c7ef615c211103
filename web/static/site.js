// Progressive enhancement only: the pages work without this file and without htmx.
document.documentElement.classList.replace("no-js", "js");
