/** The actions domain's vocabulary, free of GraphQL decorators so the schema and services can import it. */
export enum ContentMode {
  AI = 'AI',
  MANUAL = 'MANUAL',
}
