// Swagger UI on /openapi.json (an external file: the page's CSP allows no inline script)
window.addEventListener("load", function () {
  if (window.SwaggerUIBundle) {
    window.ui = window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" });
  }
});
