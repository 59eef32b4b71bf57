// The custom role the scheduler acts with on other people's compute: read state, start, stop (deallocate) and
// restart VMs, scale sets and Azure ML compute instances, and nothing else. Assigned per scope by
// scheduler-role-assignment.bicep.
//
// Virtual Machine Contributor is deliberately not used. It also grants run command (arbitrary code as root or
// SYSTEM inside every VM in scope), disk and snapshot access, extension installs and network changes: a
// scheduler that only needs to flip power would become a way into every machine it manages.
targetScope = 'subscription'

@description('Display name of the role; unique in the tenant.')
param roleName string

@description('Scopes the role may be assigned at (subscription ids); its assignments are narrower (resource groups).')
param assignableScopes string[]

// azure-facts.md, "Least privilege", plus the two calls the ARM gateway makes on pools that the list leaves out:
// the scale set's instance view (state read) and its restart (the manual Restart action). Both are marked.
var actions = [
  // VMs: state, start, stop (always deallocate: a powered-off VM still bills), restart.
  'Microsoft.Compute/virtualMachines/read'
  'Microsoft.Compute/virtualMachines/instanceView/read'
  'Microsoft.Compute/virtualMachines/start/action'
  'Microsoft.Compute/virtualMachines/deallocate/action'
  'Microsoft.Compute/virtualMachines/restart/action'
  // Pools (scale sets): state, capacity changes, start, deallocate. ARM authorizes a capacity PATCH as write, and
  // write also covers the rest of the scale set model; RBAC has no narrower action for it. Scope it tightly.
  'Microsoft.Compute/virtualMachineScaleSets/read'
  'Microsoft.Compute/virtualMachineScaleSets/write'
  'Microsoft.Compute/virtualMachineScaleSets/start/action'
  'Microsoft.Compute/virtualMachineScaleSets/deallocate/action'
  'Microsoft.Compute/virtualMachineScaleSets/instanceView/read' // not in azure-facts.md: read state (getInstanceView)
  'Microsoft.Compute/virtualMachineScaleSets/restart/action' // not in azure-facts.md: manual Restart of a pool
  // Azure ML compute instances: state, start, stop, restart.
  'Microsoft.MachineLearningServices/workspaces/computes/read'
  'Microsoft.MachineLearningServices/workspaces/computes/start/action'
  'Microsoft.MachineLearningServices/workspaces/computes/stop/action'
  'Microsoft.MachineLearningServices/workspaces/computes/restart/action'
]

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, roleName)
  properties: {
    roleName: roleName
    description: 'compute-scheduler: read the power state of VMs, scale sets and Azure ML compute instances, and start, stop (deallocate), resize to zero and back, and restart them. No run command, disks, extensions or networking.'
    type: 'CustomRole'
    permissions: [
      {
        actions: actions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

output roleDefinitionName string = role.name
output roleDefinitionId string = role.id
output roleName string = roleName
