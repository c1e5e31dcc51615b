// Placeholder so the composition root type-checks; replaced by the real adapter.
export interface AwsClients {
  readonly placeholder: true
}
export function createAwsClients(_options: {profile?: string}): AwsClients {
  throw new Error('AWS clients are not implemented yet')
}
