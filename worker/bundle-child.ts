// Bundles the workflows for a worker and sends the code back over IPC (see worker/bundle.ts).
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { workflowsPath } from './workflows-path';

const { code } = await bundleWorkflowCode({
  workflowsPath,
  ignoreModules: [],
  logger: new DefaultLogger('WARN'),
});
process.send!({ code }, () => process.exit(0));
