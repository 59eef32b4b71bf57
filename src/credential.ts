// Which identity the app signs in to Azure with. In Azure it is the user-assigned managed identity the template
// names, asked for by client id: deterministic, nothing probed or guessed. On a developer's machine it is the
// developer's own sign-in (Azure CLI, azd, PowerShell, or a service principal in the environment).

import {
  AzureCliCredential,
  AzureDeveloperCliCredential,
  AzurePowerShellCredential,
  ChainedTokenCredential,
  EnvironmentCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from '@azure/identity';

/**
 * The credential for ARM, storage and telemetry.
 * @param managedIdentityClientId the user-assigned identity's client id (setting
 *   `SCHEDULER_MANAGED_IDENTITY_CLIENT_ID`, or `AzureWebJobsStorage__clientId` for storage); absent off Azure
 * @returns a ManagedIdentityCredential for that identity, or the developer credential chain when absent
 */
export function appCredential(managedIdentityClientId: string | undefined): TokenCredential {
  if (managedIdentityClientId) return new ManagedIdentityCredential({ clientId: managedIdentityClientId });
  return new ChainedTokenCredential(
    new EnvironmentCredential(),
    new AzureCliCredential(),
    new AzureDeveloperCliCredential(),
    new AzurePowerShellCredential(),
  );
}

/** A credential made only when a token is first asked of it (building one may read the environment). */
export function lazyCredential(make: () => TokenCredential): TokenCredential {
  let made: TokenCredential | undefined;
  return { getToken: (scopes, options) => (made ??= make()).getToken(scopes, options) };
}
