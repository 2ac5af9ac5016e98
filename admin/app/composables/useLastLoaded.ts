/**
 * What a query last loaded. urql's useQuery sets `data` to undefined when a fetch fails (a
 * refetch after a refused toggle, a lost connection); pages keep the last good answer on
 * screen and say that refreshing it failed, instead of replacing it with an error.
 */
export function useLastLoaded<T>(data: Ref<T | undefined>): Readonly<Ref<T | undefined>> {
  const last = shallowRef<T | undefined>(data.value);
  watch(data, (value) => {
    if (value !== undefined) last.value = value;
  });
  return last;
}
