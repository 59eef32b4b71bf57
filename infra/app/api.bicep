// The scheduler's function app on a Flex Consumption plan (FC1, Linux, Node 22). Storage, Application Insights
// and ARM are all reached with one user-assigned identity: no account keys or secrets in its settings.

@description('Function app name.')
param name string

@description('Flex Consumption plan name.')
param planName string

param location string = resourceGroup().location
param tags object = {}

@description('azd finds the app to deploy to by this tag (services.api in azure.yaml).')
param serviceName string = 'api'

param storageAccountName string

@description('Blob container that holds the deployment package (created in the storage module).')
param deploymentStorageContainerName string

param applicationInsightsName string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity: storage, telemetry and the ARM SDK clients must be told which identity to use.')
param identityClientId string

@description('Memory per instance. 512 MB is plenty for a scheduler that mostly waits on ARM.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 512

@description('Scale-out ceiling. Flex Consumption accepts 40 to 1000.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

param runtimeVersion string = '22'

@description('Object id of that identity: resource events it caused are the scheduler\'s own operations.')
param identityPrincipalId string

@description('Application (client) id of the Entra app registration in front of the API; empty without authentication.')
param authClientId string = ''

@description('Tenant of that app registration.')
param authTenantId string = ''

@secure()
@description('Its client secret: App Service Authentication and the on-behalf-of permission check both use it.')
param authClientSecret string = ''

@secure()
@description('Signs warnings\' snooze links.')
param warningSigningKey string

@description('The scheduler settings; the identity and telemetry settings below win on a clash. This resource owns the whole collection: a setting missing here is deleted on the next provision.')
param appSettings object = {}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentStorageContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: runtimeVersion
      }
    }
  }

  // Flex Consumption sets the worker runtime and version from functionAppConfig; FUNCTIONS_WORKER_RUNTIME and
  // WEBSITE_NODE_DEFAULT_VERSION are not allowed here.
  resource settings 'config' = {
    name: 'appsettings'
    properties: union(appSettings, {
      // Identity-based AzureWebJobsStorage: the host (timer leases, queue triggers) and src/config.ts both read these.
      AzureWebJobsStorage__accountName: storage.name
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      // The identity the ARM gateway and the telemetry exporter sign in as (ManagedIdentityCredential): named,
      // not discovered, so a second identity on the app can never be picked up by accident.
      SCHEDULER_MANAGED_IDENTITY_CLIENT_ID: identityClientId
      // Telemetry: the Functions host and the app's OpenTelemetry (src/telemetry) both send here, with Entra ID.
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      // Events whose caller is this identity (by object id or client id) are the scheduler's own operations.
      SCHEDULER_IDENTITY_IDS: identityPrincipalId
      AZURE_CLIENT_ID: identityClientId
      // The permission check asks ARM on the caller's behalf through the API's own app registration.
      SCHEDULER_OBO_TENANT_ID: authTenantId
      SCHEDULER_OBO_CLIENT_ID: authClientId
      MICROSOFT_PROVIDER_AUTHENTICATION_SECRET: authClientSecret
      SCHEDULER_WARNING_SIGNING_KEY: warningSigningKey
    })
  }
}

output name string = functionApp.name
output id string = functionApp.id
output defaultHostName string = functionApp.properties.defaultHostName
output uri string = 'https://${functionApp.properties.defaultHostName}'
