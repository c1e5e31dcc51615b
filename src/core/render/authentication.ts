import type {AuthenticationConfig} from '../config/types.js'

type Json = Record<string, unknown>

/**
 * What kops makes of it: `spec.authentication.aws` runs aws-iam-authenticator on the control plane
 * and the API server asks it about bearer tokens; with `backendMode: CRD` kops ships each
 * `identityMappings` entry as an IAMIdentityMapping object (kops validation requires CRD mode for
 * inline mappings). `clusterID` is what clients name in their tokens (`aws-iam-authenticator
 * token -i`), so it is the cluster name, written out rather than left to kops' default.
 */
function kopsAwsAuthentication(clusterName: string, aws: NonNullable<AuthenticationConfig['aws']>): Json {
  return {
    backendMode: 'CRD',
    clusterID: clusterName,
    ...(aws.mappings.length > 0 ? {identityMappings: aws.mappings.map((m) => ({arn: m.roleARN, groups: [...m.groups], username: m.username}))} : {}),
  }
}

/**
 * kops v1alpha2 keeps OIDC in the API server's flags (`spec.kubeAPIServer.oidc*`); only its
 * internal API and v1alpha3 have `spec.authentication.oidc`, and kops stores v1alpha2.
 */
function kopsOidcFlags(oidc: NonNullable<AuthenticationConfig['oidc']>): Json {
  return {
    oidcIssuerURL: oidc.issuerURL,
    oidcClientID: oidc.clientID,
    oidcUsernameClaim: oidc.usernameClaim,
    oidcUsernamePrefix: oidc.usernamePrefix,
    oidcGroupsClaim: oidc.groupsClaim,
    oidcGroupsPrefix: oidc.groupsPrefix,
  }
}

/** Sets the authentication of a kops Cluster spec (in place) from the cluster file. */
export function renderAuthentication(spec: Json, clusterName: string, auth: AuthenticationConfig): void {
  if (auth.aws) spec.authentication = {aws: kopsAwsAuthentication(clusterName, auth.aws)}
  if (auth.oidc) {
    const current = spec.kubeAPIServer
    const api = typeof current === 'object' && current !== null && !Array.isArray(current) ? (current as Json) : {}
    spec.kubeAPIServer = {...api, ...kopsOidcFlags(auth.oidc)}
  }
}
