/**
 * "History · Send Attachment": each page names itself first (useHead in pages/ and error.vue), so
 * browser tabs and history entries tell pages apart. A plugin, not app.vue: Nuxt renders error.vue
 * in app.vue's place.
 */
export default defineNuxtPlugin(() => {
  useHead({ titleTemplate: (title) => (title && title !== 'Send Attachment' ? `${title} · Send Attachment` : 'Send Attachment') });
});
