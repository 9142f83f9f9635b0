// For the replay test: workflow code with a patch of each kind, to read their ids from.
import { deprecatePatch, patched } from '@temporalio/workflow';

export function shape(): string {
  deprecatePatch('old-shape');
  return patched('new-shape') ? 'new' : 'old';
}
