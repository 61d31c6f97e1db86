/* Regulars service worker: shows pushed offers and opens them when tapped. */
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { title: event.data ? event.data.text() : "Regulars" };
  }
  event.waitUntil(
    self.registration.showNotification(data.title || "Regulars", {
      body: data.body || "",
      data: { url: data.url || "/me/inbox/" },
      tag: data.url || undefined,
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/me/inbox/";
  event.waitUntil(self.clients.openWindow(url));
});
