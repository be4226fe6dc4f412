// Submits a form marked data-autosubmit once the page has loaded (the logout at the identity
// provider). A same-origin file, so the strict Content-Security-Policy needs no inline script;
// without script the person presses the form's button.
document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());
