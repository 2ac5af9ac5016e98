import { print } from 'graphql';
import type { TadaDocumentNode } from './graphql.js';

export interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string; field?: string; reason?: string; [key: string]: unknown };
}

/**
 * What a raw string query answers: untyped JSON, checked field by field by the assertions. A
 * document written with `graphql()` (test/support/graphql.ts) is typed from the schema instead;
 * raw strings remain where the raw request is the point (hostile input, limits, one-off probes).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one place test answers are left untyped, as said above
export type Json = any;

/** A typed document's variables: optional when the operation declares none. */
type VariablesArg<V> = Record<string, never> extends V ? [variables?: V] : [variables: V];

export interface GraphQLResponse<T = Json> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: GraphQLErrorBody[];
}

/** The answer's data, or an Error naming the operation and the errors it got (for a request that must succeed). */
export function dataOf<T>(res: GraphQLResponse<T>, operation: string): T {
  if (res.errors || !res.data) throw new Error(`${operation}: ${res.status} ${JSON.stringify(res.errors)}`);
  return res.data;
}

export interface UploadFile {
  name: string;
  content: Buffer | string;
  type?: string;
}

/** Speaks GraphQL over real HTTP, JSON or multipart (the GraphQL multipart request spec), as a client would. */
export class GraphQLClient {
  constructor(readonly url: string) {}

  query<R, V>(token: string | null, document: TadaDocumentNode<R, V>, ...variables: VariablesArg<V>): Promise<GraphQLResponse<R>>;
  query<T = Json>(token: string | null, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  async query(token: string | null, query: string | TadaDocumentNode, variables: unknown = {}) {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth(token) },
      body: JSON.stringify({ query: source(query), variables }),
    });
    return parse(res);
  }

  /**
   * Sends `files` mapped onto `paths` (e.g. ['variables.file'] or ['variables.files.0', …]).
   */
  upload<R, V>(
    token: string | null,
    document: TadaDocumentNode<R, V>,
    variables: V,
    files: FilePart[],
    options?: UploadOptions,
  ): Promise<GraphQLResponse<R>>;
  upload<T = Json>(
    token: string | null,
    query: string,
    variables: Record<string, unknown>,
    files: FilePart[],
    options?: UploadOptions,
  ): Promise<GraphQLResponse<T>>;
  async upload(token: string | null, query: string | TadaDocumentNode, variables: unknown, files: FilePart[], options: UploadOptions = {}) {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: source(query), variables }));
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
    return parse(res);
  }
}

/** A file part and the variable it fills, e.g. 'variables.file' or 'variables.files.0'. */
export interface FilePart {
  path: string;
  file: UploadFile;
}

interface UploadOptions {
  /** False leaves out the apollo-require-preflight header (the CSRF check's subject). */
  preflight?: boolean;
}

const source = (query: string | TadaDocumentNode) => (typeof query === 'string' ? query : print(query));

function auth(token: string | null): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function parse(res: Response): Promise<GraphQLResponse<unknown>> {
  const text = await res.text();
  let body: { data?: unknown; errors?: GraphQLErrorBody[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`expected JSON from ${res.url}, got ${res.status}: ${text.slice(0, 200)}`);
  }
  return { status: res.status, headers: res.headers, data: body.data ?? undefined, errors: body.errors };
}
