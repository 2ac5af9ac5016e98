import type { Viewer } from '../../accounts/viewer.js';
import type { Services } from '../container.js';

export interface GraphQLContext {
  requestId: string;
  viewer: Viewer | null;
  services: Services;
}
