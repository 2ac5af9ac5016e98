export interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string; field?: string; reason?: string; [key: string]: unknown };
}

/**
 * What tests read from a GraphQL answer unless they name a type: untyped JSON, checked field by
 * field by the assertions. Typing every operation here would repeat the schema by hand.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one place test answers are left untyped, as said above
export type Json = any;

export interface GraphQLResponse<T = Json> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: GraphQLErrorBody[];
}

export interface UploadFile {
  name: string;
  content: Buffer | string;
  type?: string;
}

/** Speaks GraphQL over real HTTP, JSON or multipart (the GraphQL multipart request spec), as a client would. */
export class GraphQLClient {
  constructor(readonly url: string) {}

  async query<T = Json>(token: string | null, query: string, variables: Record<string, unknown> = {}) {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth(token) },
      body: JSON.stringify({ query, variables }),
    });
    return parse<T>(res);
  }

  /**
   * Sends `files` mapped onto `paths` (e.g. ['variables.file'] or ['variables.files.0', …]).
   */
  async upload<T = Json>(
    token: string | null,
    query: string,
    variables: Record<string, unknown>,
    files: { path: string; file: UploadFile }[],
    options: { preflight?: boolean } = {},
  ) {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query, variables }));
    form.append('map', JSON.stringify(Object.fromEntries(files.map((f, i) => [String(i), [f.path]]))));
    files.forEach(({ file }, i) => {
      const bytes = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
      form.append(String(i), new Blob([new Uint8Array(bytes)], { type: file.type ?? 'application/octet-stream' }), file.name);
    });
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { ...auth(token), ...(options.preflight === false ? {} : { 'apollo-require-preflight': 'true' }) },
      body: form,
    });
    return parse<T>(res);
  }
}

function auth(token: string | null): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function parse<T>(res: Response): Promise<GraphQLResponse<T>> {
  const text = await res.text();
  let body: { data?: T | null; errors?: GraphQLErrorBody[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`expected JSON from ${res.url}, got ${res.status}: ${text.slice(0, 200)}`);
  }
  return { status: res.status, headers: res.headers, data: body.data ?? undefined, errors: body.errors };
}
