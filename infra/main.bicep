// compute-scheduler on Azure, for `azd up`: a resource group rg-<env> with a Flex Consumption function app, its
// storage and monitoring; a least-privilege custom role, assigned to the app on the resource groups it may manage.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name: names the resource group (rg-<env>) and seeds the resource token.')
param environmentName string

@minLength(1)
@description('Region for every resource. It must offer Flex Consumption: az functionapp list-flexconsumption-locations.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of whoever runs azd (azd sets it). Gets table and queue data access for debugging; empty to skip.')
param principalId string = ''

@description('Kind of that principal (azd sets it).')
@allowed(['User', 'ServicePrincipal'])
param principalType string = 'User'

@description('Memory per function app instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 512

@description('Most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

// The scheduler's own settings (src/config.ts reads them). Each is a parameter because the template owns the
// app's whole settings collection: a setting added by hand in the portal is gone after the next provision.
@description('How far back, in hours, the tick catches up after an outage (SCHEDULER_CATCH_UP_HOURS).')
@minValue(0)
@maxValue(168)
param catchUpHours int = 24

@description('Wait for Azure to finish each start or stop before recording the run (SCHEDULER_WAIT_FOR_COMPLETION). Off: a run succeeds when Azure accepts the call.')
param waitForCompletion bool = false

@description('Calls a tick may send at once to one subscription before pacing (SCHEDULER_ARM_WRITE_BURST): ARM\'s write bucket.')
@minValue(1)
@maxValue(100000)
param armWriteBurst int = 200

@description('Calls a second a tick paces itself to per subscription after the burst (SCHEDULER_ARM_WRITES_PER_SECOND); 0 turns pacing off. Lower it when other automation shares the subscriptions.')
@minValue(0)
@maxValue(10000)
param armWritesPerSecond int = 10

@description('Schedule entries allowed per VM (SCHEDULER_MAX_ENTRIES_VM).')
@minValue(1)
@maxValue(20)
param maxScheduleEntriesVm int = 4

@description('Schedule entries allowed per pool (SCHEDULER_MAX_ENTRIES_POOL).')
@minValue(1)
@maxValue(20)
param maxScheduleEntriesPool int = 4

@description('Schedule entries allowed per Azure ML compute instance (SCHEDULER_MAX_ENTRIES_COMPUTE_INSTANCE); Azure ML allows four.')
@minValue(1)
@maxValue(4)
param maxScheduleEntriesComputeInstance int = 4

@description('Resource groups (/subscriptions/{id}/resourceGroups/{name}) whose VMs, scale sets and Azure ML compute instances the scheduler may start and stop, comma-separated or as a JSON array. The custom role is assigned to the app on each. Default: none.')
param scheduleScopeResourceGroups string = ''

@description('Application (client) id of the Entra app registration that protects the API. Empty: no App Service Authentication, and the app trusts no caller principal.')
param authClientId string = ''

@description('Tenant id of that app registration. Empty: the tenant of this subscription.')
param authTenantId string = ''

@description('Object ids of the users and applications (service principals) App Service Authentication lets in, comma-separated. Empty: only principalId (whoever runs azd). Nobody else in the tenant gets in unless listed here or in authAllowedGroupIds.')
param authAllowedPrincipalIds string = ''

@description('Object ids of security groups whose members App Service Authentication lets in, comma-separated (the app registration must emit the groups claim).')
param authAllowedGroupIds string = ''

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentStorageContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'
@description('How registration checks that whoever registers a machine may start and stop it in Azure (SCHEDULER_PERMISSION_CHECK). role-assignments: the scheduler reads the caller\'s role assignments with its own identity (works from the dashboard). on-behalf-of: ARM is asked with the caller\'s token; needs authClientSecret, and without one the deployment uses role-assignments. off: the scheduler\'s own access rules alone.')
@allowed(['role-assignments', 'on-behalf-of', 'off'])
param permissionCheck string = 'role-assignments'

@secure()
@description('Client secret of the app registration behind authClientId. App Service Authentication keeps it as MICROSOFT_PROVIDER_AUTHENTICATION_SECRET; the permission check uses it to ask Azure on the caller\'s behalf (the registration needs the delegated Azure Service Management user_impersonation permission, consented).')
param authClientSecret string = ''

@description('Public base URL of the app, where warnings\' snooze links point (SCHEDULER_PUBLIC_URL). Empty: https:// and the app\'s own host name.')
param publicUrl string = ''

@secure()
@description('Key that signs warnings\' snooze links, base64, 32 bytes or more. Empty: a new key at each provision (links sent before it stop working).')
param warningSigningKey string = ''

@secure()
@description('Not meant to be set: the key used when warningSigningKey is empty.')
param generatedWarningSigningKey string = base64('${newGuid()}${newGuid()}')

@description('Deliver Azure\'s resource events in each scope resource group to the app (SCHEDULER_SUBSCRIBE_RESOURCE_EVENTS). Event Grid checks the function when subscribing, so this waits until the app is deployed: azure.yaml\'s postdeploy hook turns it on after the first deployment and provisions again.')
param subscribeResourceEvents bool = false

var authEnabled = !empty(authClientId)

// Lists arrive from azd as strings (comma-separated, or a JSON array): azd passes real arrays only from 1.23.4 on.
var scheduleScopeResourceGroupIds = startsWith(trim(scheduleScopeResourceGroups), '[')
  ? json(scheduleScopeResourceGroups)
  : filter(map(split(scheduleScopeResourceGroups, ','), g => trim(g)), g => !empty(g))
var listedPrincipalIds = filter(map(split(authAllowedPrincipalIds, ','), p => trim(p)), p => !empty(p))
var allowedPrincipalIds = empty(listedPrincipalIds) && !empty(principalId) ? [principalId] : listedPrincipalIds
var allowedGroupIds = filter(map(split(authAllowedGroupIds, ','), g => trim(g)), g => !empty(g))

// What the app uses (src/store/keys.ts, no SCHEDULER_STORAGE_PREFIX). The app also creates them at start-up.
// The due index's hour tables (due{yyyyMMddHH}) are created and dropped by the app itself.
var tables = ['targets', 'targetaccess', 'runs', 'checkpoints']
var queues = ['actions', 'actions-poison', 'pools', 'pools-poison']

// The custom role can be assigned in this subscription and in each subscription that holds a scope group.
var scheduleScopeSubscriptionIds = map(scheduleScopeResourceGroupIds, g => toLower('/subscriptions/${split(g, '/')[2]}'))

resource rg 'Microsoft.Resources/resourceGroups@2022-09-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity './core/identity/user-assigned-identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring './core/monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage './core/storage/storage-account.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    containers: [deploymentStorageContainerName]
    queues: queues
    tables: tables
  }
}

module rbac './app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    identityPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

module api './app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    serviceName: 'api'
    storageAccountName: storage.outputs.name
    deploymentStorageContainerName: deploymentStorageContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    // Every setting src/config.ts reads that a deployment may change (test/deploy/app-settings.test.ts checks it).
    appSettings: {
      // The principal header is only trustworthy where App Service Authentication sets it (and strips forged
      // ones): without an Entra app registration the app trusts no principal and answers 401 to the API.
      SCHEDULER_TRUST_PRINCIPAL_HEADER: authEnabled ? 'true' : 'false'
      SCHEDULER_CATCH_UP_HOURS: string(catchUpHours)
      SCHEDULER_WAIT_FOR_COMPLETION: waitForCompletion ? 'true' : 'false'
      SCHEDULER_ARM_WRITE_BURST: string(armWriteBurst)
      SCHEDULER_ARM_WRITES_PER_SECOND: string(armWritesPerSecond)
      SCHEDULER_MAX_ENTRIES_VM: string(maxScheduleEntriesVm)
      SCHEDULER_MAX_ENTRIES_POOL: string(maxScheduleEntriesPool)
      SCHEDULER_MAX_ENTRIES_COMPUTE_INSTANCE: string(maxScheduleEntriesComputeInstance)
      // Asking Azure on the caller's behalf needs the app registration's secret: without it, the check that
      // reads role assignments rather than refusing every registration.
      SCHEDULER_PERMISSION_CHECK: permissionCheck == 'on-behalf-of' && empty(authClientSecret) ? 'role-assignments' : permissionCheck
      SCHEDULER_PUBLIC_URL: publicUrl
    }
    authClientId: authClientId
    authTenantId: empty(authTenantId) ? tenant().tenantId : authTenantId
    authClientSecret: authClientSecret
    warningSigningKey: empty(warningSigningKey) ? generatedWarningSigningKey : warningSigningKey
    identityPrincipalId: identity.outputs.principalId
  }
  // The app provisions its tables and queues at start-up: let its storage roles exist first.
  dependsOn: [
    rbac
  ]
}

module apiAuth './app/api-auth.bicep' = if (authEnabled) {
  name: 'api-auth'
  scope: rg
  params: {
    functionAppName: api.outputs.name
    clientId: authClientId
    tenantId: empty(authTenantId) ? tenant().tenantId : authTenantId
    allowedPrincipalIds: allowedPrincipalIds
    allowedGroupIds: allowedGroupIds
    hasClientSecret: !empty(authClientSecret)
  }
}

module schedulerRole './app/scheduler-role.bicep' = {
  name: 'compute-scheduler-role-${resourceToken}'
  params: {
    roleName: 'Compute Scheduler Operator (${environmentName}, ${resourceToken})'
    assignableScopes: union([toLower(subscription().id)], scheduleScopeSubscriptionIds)
  }
}

module schedulerRoleAssignments './app/scheduler-role-assignment.bicep' = [
  for groupId in scheduleScopeResourceGroupIds: {
    name: 'compute-scheduler-scope-${uniqueString(toLower(groupId), resourceToken)}'
    scope: resourceGroup(split(groupId, '/')[2], split(groupId, '/')[4])
    params: {
      roleDefinitionName: schedulerRole.outputs.roleDefinitionName
      principalId: identity.outputs.principalId
    }
  }
]

module resourceEvents './app/resource-events.bicep' = [
  for groupId in (subscribeResourceEvents ? scheduleScopeResourceGroupIds : []): {
    name: 'compute-scheduler-events-${uniqueString(toLower(groupId), resourceToken)}'
    scope: resourceGroup(split(groupId, '/')[2], split(groupId, '/')[4])
    params: {
      functionAppId: api.outputs.id
      tags: tags
    }
  }
]

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_USER_ASSIGNED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_ENDPOINT string = api.outputs.uri
output SCHEDULER_ROLE_DEFINITION_ID string = schedulerRole.outputs.roleDefinitionId
output SCHEDULER_ROLE_NAME string = schedulerRole.outputs.roleName
output SCHEDULER_AUTH_ENABLED bool = authEnabled
