import { GraphQLError, GraphQLScalarType } from 'graphql';
import Upload from 'graphql-upload/Upload.mjs';
import type { FileUpload } from 'graphql-upload/Upload.mjs';

/** What an `Upload!` argument holds: the file, once its part of the multipart body arrives. */
export interface UploadArg {
  promise: Promise<FileUpload>;
}

/**
 * The `Upload` scalar of the GraphQL multipart request spec. Unlike graphql-upload's own, it
 * hands resolvers the Upload object rather than its promise: type-graphql awaits promise
 * arguments before calling the resolver, and a failed part (cut off, missing) would then
 * surface as an internal error instead of reaching FilesService, which explains it.
 */
export const UploadScalar = new GraphQLScalarType<UploadArg, never>({
  name: 'Upload',
  description: 'A file sent in a multipart request (GraphQL multipart request spec).',
  parseValue(value) {
    if (value instanceof Upload) return value;
    throw new GraphQLError('Upload value invalid: send the file as a part of a multipart request.');
  },
  parseLiteral(node) {
    throw new GraphQLError('Upload literal unsupported: send the file as a part of a multipart request.', {
      nodes: node,
    });
  },
  serialize() {
    throw new GraphQLError('Upload serialization unsupported.');
  },
});
