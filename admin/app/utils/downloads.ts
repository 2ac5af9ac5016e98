/**
 * Fetches a same-origin API file that needs the bearer token (a plain link cannot carry it):
 * the blob and the server's file name. Throws an Error a person can read.
 */
export async function fetchWithToken(path: string): Promise<{ blob: Blob; fileName: string | null }> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { authorization: `Bearer ${readToken() ?? ''}` } });
  } catch {
    throw new Error(NETWORK_ERROR.message);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { errors?: RawGraphQLError[] } | null;
    throw new Error(apiErrorOf(body?.errors ?? [])?.message || NETWORK_ERROR.message);
  }
  const disposition = res.headers.get('content-disposition') ?? '';
  const fileName = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1] ?? /filename="([^"]+)"/.exec(disposition)?.[1] ?? null;
  return { blob: await res.blob(), fileName: fileName ? decodeURIComponent(fileName) : null };
}

/** Saves a blob as a download named `name`. */
export function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The API path of a stored attachment's bytes (the admin proxies it). */
export const attachmentContentPath = (id: string) => `/attachments/${encodeURIComponent(id)}/content`;
