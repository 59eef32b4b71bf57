// Azure's resource events for one resource group, delivered to the app's Event Grid function: a system topic on
// the group and a subscription to the `resourceEvents` function. Deployed only once the function exists (Event
// Grid checks the endpoint when the subscription is made), which is why main.bicep asks for it with
// subscribeResourceEvents and azure.yaml's postdeploy hook turns that on after the first deployment.
targetScope = 'resourceGroup'

@description('Resource id of the function app whose resourceEvents function receives the events.')
param functionAppId string

@description('The Event Grid function (src/functions/resource-events.ts, RESOURCE_EVENTS_FUNCTION).')
param functionName string = 'resourceEvents'

@description('Tags for the system topic.')
param tags object = {}

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: 'evgt-scheduler-${uniqueString(resourceGroup().id)}'
  // Resource group topics are global.
  location: 'global'
  tags: tags
  properties: {
    source: resourceGroup().id
    topicType: 'Microsoft.Resources.ResourceGroups'
  }
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: topic
  name: 'compute-scheduler'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionAppId}/functions/${functionName}'
        // One event per invocation: each is handled (and recorded) on its own.
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      // What the function reacts to: writes (a new machine for a policy), deletes, and power actions
      // (someone else's start, the scheduler's own operations ending).
      includedEventTypes: [
        'Microsoft.Resources.ResourceWriteSuccess'
        'Microsoft.Resources.ResourceDeleteSuccess'
        'Microsoft.Resources.ResourceActionSuccess'
        'Microsoft.Resources.ResourceActionFailure'
        'Microsoft.Resources.ResourceActionCancel'
      ]
    }
    retryPolicy: {
      // A day of retries: the function is idempotent per event id, so a late delivery changes nothing twice.
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output topicId string = topic.id
