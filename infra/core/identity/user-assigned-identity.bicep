// A user-assigned managed identity. It exists before the app does, so its role assignments can be in place
// (and replicated) by the time the app first starts and reaches storage or ARM.

@description('Name of the identity.')
param name string

param location string = resourceGroup().location
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
