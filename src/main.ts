// World Prior Lab: the page's entry. Everything else lives in the components under src/ui/.
import './ui/lab-app';

document.documentElement.dataset['labState'] ??= 'loading';

// The built site works offline: a service worker caches the app, onnxruntime's wasm and the lab-grown
// pair (public/sw.js). Not in development, where files change all the time.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker
    .register('./sw.js', { scope: './' })
    .then(async (reg) => {
      // An install that fails (a file of the site came back as an HTML page, say) leaves no worker.
      const installing = reg.installing;
      installing?.addEventListener('statechange', () => {
        if (installing.state === 'redundant' && !reg.active) document.documentElement.dataset['offlineReady'] = 'false';
      });
      await navigator.serviceWorker.ready;
      document.documentElement.dataset['offlineReady'] = 'true';
    })
    .catch((err: unknown) => {
      document.documentElement.dataset['offlineReady'] = 'false';
      console.warn('World Prior Lab works online only: the service worker failed to install', err);
    });
}
