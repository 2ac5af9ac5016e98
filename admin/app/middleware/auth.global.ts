/** Every page but sign-in needs a token. */
export default defineNuxtRouteMiddleware((to) => {
  if (to.path === '/sign-in') return;
  if (!readToken()) return navigateTo('/sign-in');
});
