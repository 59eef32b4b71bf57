// Assigns the scheduler's custom role to the app's identity on one resource group: the scheduler can then act on
// the VMs, scale sets and Azure ML compute instances in it, and only there.
targetScope = 'resourceGroup'

@description('Name (GUID) of the custom role definition from scheduler-role.bicep.')
param roleDefinitionName string

@description('Principal (object) id of the identity the app runs as.')
param principalId string

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleDefinitionName)
  properties: {
    // Role definitions are tenant-wide objects; this resolves the one GUID under this group's subscription.
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionName)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'compute-scheduler: start, stop and restart compute in this resource group'
  }
}

output id string = assignment.id
