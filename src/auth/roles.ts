import { SetMetadata } from '@nestjs/common';

export const ROLES = ['admin', 'marketer', 'sales', 'ingest'] as const;
export type Role = (typeof ROLES)[number];

export const ROLES_KEY = 'nurture:roles';
export const PUBLIC_KEY = 'nurture:public';

/** Which roles may call an endpoint; `admin` may call everything. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** Endpoints that need no API key (health, tracking, unsubscribe). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export interface Principal {
  keyId: string;
  role: Role;
  name: string;
}
