/** The actions domain's vocabulary, free of GraphQL decorators so the schema and services can import it. */
export enum ContentMode {
  AI = 'AI',
  MANUAL = 'MANUAL',
}

/** What a new action starts with (SPEC section 3), served to the admin with the limits. */
export const ACTION_DEFAULTS = {
  name: 'Send attachment',
  trigger:
    'When a customer requests a file, document, or image, such as asking for a brochure, invoice, or photo.',
} as const;
