// The custom role the scheduler acts with on other people's compute: read state, start, stop (deallocate) and
// restart VMs, scale sets and Azure ML compute instances, read who may do the same, and nothing else. Assigned per scope by
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

// Exactly what the ARM gateway calls (test/deploy/scheduler-role.test.ts drives every call it makes through the
// local ARM emulator and checks each against this list).
var actions = [
  // VMs: state, start, stop (always deallocate: a powered-off VM still bills), restart; tags (policies' opt-out).
  'Microsoft.Compute/virtualMachines/read'
  'Microsoft.Compute/virtualMachines/instanceView/read'
  'Microsoft.Compute/virtualMachines/start/action'
  'Microsoft.Compute/virtualMachines/deallocate/action'
  'Microsoft.Compute/virtualMachines/restart/action'
  // Pools (scale sets): state, capacity changes (stop is a scale to zero), start. ARM authorizes a capacity PATCH
  // as write, and write also covers the rest of the scale set model; RBAC has no narrower action. Scope it tightly.
  'Microsoft.Compute/virtualMachineScaleSets/read'
  'Microsoft.Compute/virtualMachineScaleSets/write'
  'Microsoft.Compute/virtualMachineScaleSets/start/action'
  'Microsoft.Compute/virtualMachineScaleSets/instanceView/read' // read state (getInstanceView)
  'Microsoft.Compute/virtualMachineScaleSets/restart/action' // the manual Restart of a pool
  'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read' // its instances, for sessions and idleness
  'Microsoft.Compute/virtualMachineScaleSets/delete/action' // scale in by removing chosen idle instances
  // Percentage CPU of pool instances and VMs (idle policies), from Azure Monitor's metrics API.
  'Microsoft.Insights/metrics/read'
  // Azure ML compute instances: state, start, stop, restart.
  'Microsoft.MachineLearningServices/workspaces/computes/read'
  'Microsoft.MachineLearningServices/workspaces/computes/start/action'
  'Microsoft.MachineLearningServices/workspaces/computes/stop/action'
  'Microsoft.MachineLearningServices/workspaces/computes/restart/action'
  // Following an operation it started (SCHEDULER_WAIT_FOR_COMPLETION): ARM answers 202 with Azure-AsyncOperation
  // and Location URLs under the provider's locations, and authorizes each poll as a read of them. Without these
  // every awaited operation would end in 403, recorded as failed.
  'Microsoft.Compute/locations/operations/read'
  'Microsoft.MachineLearningServices/locations/computeOperationsStatus/read'
  'Microsoft.MachineLearningServices/locations/mfeOperationsStatus/read'
  'Microsoft.MachineLearningServices/locations/mfeOperationResults/read'
  // The permission check of registration (SCHEDULER_PERMISSION_CHECK=role-assignments): whoever registers a
  // machine must be able to start and stop it themselves, which the scheduler learns by reading their role
  // assignments, the role definitions those name, and their deny assignments on the machine.
  'Microsoft.Authorization/roleAssignments/read'
  'Microsoft.Authorization/roleDefinitions/read'
  'Microsoft.Authorization/denyAssignments/read'
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
