import { print, type DocumentNode } from 'graphql';
import type { TadaDocumentNode } from 'gql.tada';
import { NETWORK_ERROR, type RawGraphQLError } from './graphql-errors';

export interface MultipartResult<T> {
  data?: T | null;
  errors?: RawGraphQLError[];
}

export interface MultipartRequest<T> {
  result: Promise<MultipartResult<T>>;
  abort(): void;
}

/**
 * A GraphQL multipart request (the spec urql's fetch cannot report progress for) over
 * XMLHttpRequest, whose `upload.onprogress` gives the bytes sent. `files` maps a variable
 * path such as "variables.file" to the file sent there.
 */
export function postMultipart<T, V>(
  document: TadaDocumentNode<T, V>,
  variables: V,
  files: Record<string, File>,
  options: { token: string | null; onProgress?: (fraction: number) => void },
): MultipartRequest<T> {
  const xhr = new XMLHttpRequest();
  const form = new FormData();
  const paths = Object.keys(files);
  form.append('operations', JSON.stringify({ query: print(document as DocumentNode), variables }));
  form.append('map', JSON.stringify(Object.fromEntries(paths.map((path, i) => [String(i), [path]]))));
  paths.forEach((path, i) => form.append(String(i), files[path]!, files[path]!.name));

  const result = new Promise<MultipartResult<T>>((resolve, reject) => {
    xhr.open('POST', '/graphql');
    // Apollo's CSRF prevention refuses multipart requests without this header.
    xhr.setRequestHeader('apollo-require-preflight', 'true');
    if (options.token) xhr.setRequestHeader('authorization', `Bearer ${options.token}`);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress?.(event.loaded / event.total);
    };
    xhr.onload = () => {
      try {
        resolve(JSON.parse(xhr.responseText) as MultipartResult<T>);
      } catch {
        resolve({ errors: [{ message: `The server answered ${xhr.status} without a GraphQL response.` }] });
      }
    };
    xhr.onerror = () => resolve({ errors: [NETWORK_ERROR] });
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    xhr.send(form);
  });
  return { result, abort: () => xhr.abort() };
}
