// The admin is a client-rendered app (ssr: false): every page needs the builder's API token,
// which lives in the browser, so server rendering would only render a sign-in shell.
// Its Nitro server serves the built assets and proxies /graphql to the API, so the admin and
// the API share one origin (no CORS; Apollo's CSRF preflight header is sent by the client).
export default defineNuxtConfig({
  compatibilityDate: '2026-01-01',
  ssr: false,
  devtools: { enabled: false },
  telemetry: false,
  modules: ['@nuxt/ui'],
  css: ['~/assets/css/main.css'],
  // Components are named for their feature already (STYLE 13); *.documents.ts beside them are not components.
  components: [{ path: '~/components', pathPrefix: false, extensions: ['vue'] }],
  app: {
    head: {
      // Each page names itself (useHead in pages/); plugins/title.ts adds " · Send Attachment".
      title: 'Send Attachment',
      htmlAttrs: { lang: 'en' },
    },
  },
  // Offline builds: no font providers, icons bundled from the locally installed set.
  ui: { fonts: false },
  icon: {
    provider: 'none',
    // Scan utils too: kindIcon() names the file-kind icons there. Nuxt UI adds the icons its own
    // components use (chevrons, close, check…) through the icon:clientBundleIcons hook.
    clientBundle: { scan: { globInclude: ['app/**/*.{vue,ts}'] } },
    serverBundle: 'local',
  },
  runtimeConfig: {
    // Where /graphql is forwarded; NUXT_API_URL at run time (main.ts sets it).
    apiUrl: 'http://127.0.0.1:4000',
    public: {
      // How often the alert banners ask for the rules' states; NUXT_PUBLIC_ALERTS_POLL_SECONDS at run time.
      alertsPollSeconds: 30,
    },
  },
  typescript: {
    strict: true,
  },
});
