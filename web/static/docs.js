// Mounts the API reference viewer (scalar.js, served from this origin) on /docs.
const mount = document.getElementById('api-viewer');
if (mount && window.Scalar) {
  window.Scalar.createApiReference(mount, {
    url: mount.dataset.url,
    hideClientButton: true,
    withDefaultFonts: false,
    // Both talk to Scalar's own servers (and appear by default on localhost): the page makes no third-party requests.
    showDeveloperTools: 'never',
    agent: { disabled: true },
  });
}
