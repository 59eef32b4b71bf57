// App Service Authentication ("Easy Auth") with Microsoft Entra ID in front of the API. The platform checks the
// bearer token, strips any forged x-ms-client-principal header and sets its own: the only caller identity the
// scheduler trusts (SCHEDULER_TRUST_PRINCIPAL_HEADER). Function keys are still checked by the Functions host.

param functionAppName string

@description('Application (client) id of the Entra app registration that represents the API.')
param clientId string

@description('Tenant id of that app registration.')
param tenantId string

@description('Object ids of the users and applications let in. With both lists empty nobody is: a valid token from the tenant is not enough.')
param allowedPrincipalIds string[]

@description('Object ids of the groups whose members are let in (needs the groups claim in tokens).')
param allowedGroupIds string[] = []

// Easy Auth's built-in authorization lets anyone through when its lists are empty; a principal that cannot exist
// keeps the door shut instead, so forgetting to name anyone fails closed.
var nobody = '00000000-0000-0000-0000-000000000000'
var admittedPrincipalIds = empty(allowedPrincipalIds) && empty(allowedGroupIds) ? [nobody] : allowedPrincipalIds

@description('Whether the app has the registration\'s client secret (as MICROSOFT_PROVIDER_AUTHENTICATION_SECRET).')
param hasClientSecret bool = false

@description('Paths that skip App Service Authentication: each is either anonymous by design or protected by a Functions key of its own.')
param excludedPaths string[] = [
  // The OpenAPI document is public (authLevel anonymous), so tools can read the contract without signing in.
  '/api/openapi.json'
  // Event Grid delivers resource events here with the Event Grid extension's system key; it cannot sign in.
  '/runtime/webhooks/eventgrid'
  // A warning's snooze link is followed from a chat or a mail client; its signature is its proof.
  '/api/warnings/snooze'
]

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      // A request with a token must bring a valid one from an allowed principal (else 401/403 here). One without
      // goes on to the app, which refuses it (401) on every route but those anonymous by design: activity
      // reports with their token, the snooze link with its signature, openapi.json. The platform strips forged
      // principal headers either way, and the Functions host still wants its function keys.
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
      excludedPaths: excludedPaths
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: clientId
          clientSecretSettingName: hasClientSecret ? 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET' : null
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenantId}/v2.0'
        }
        validation: {
          // v2 tokens carry the client id as audience, v1 tokens the Application ID URI.
          allowedAudiences: [
            clientId
            'api://${clientId}'
          ]
          // Without this, any user or app in the tenant that gets a token for the API is let in (403 otherwise).
          defaultAuthorizationPolicy: {
            allowedPrincipals: {
              identities: admittedPrincipalIds
              groups: allowedGroupIds
            }
          }
        }
      }
    }
    login: {
      // Callers bring bearer tokens; there are no browser sessions to store tokens for.
      tokenStore: {
        enabled: false
      }
    }
    httpSettings: {
      requireHttps: true
    }
  }
}
