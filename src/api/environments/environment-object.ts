/** The `environment` object the API answers with (the SDK's BetaEnvironment), built from a stored one. */
import type {
  BetaEnvironment,
  BetaEnvironmentDeleteResponse,
} from '@anthropic-ai/sdk/resources/beta/environments/environments';
import { cloudConfigObject, type ApiEnvironment } from '../../domain/environment';

export function environmentObject(environment: ApiEnvironment): BetaEnvironment {
  return {
    type: 'environment',
    id: environment.id,
    name: environment.name,
    description: environment.description,
    metadata: environment.metadata,
    config: cloudConfigObject(environment.config),
    scope: 'organization',
    created_at: environment.created_at,
    updated_at: environment.updated_at,
    archived_at: environment.archived_at,
  };
}

export function environmentDeleted(environmentId: string): BetaEnvironmentDeleteResponse {
  return { id: environmentId, type: 'environment_deleted' };
}
