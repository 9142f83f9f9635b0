// The workflows the worker bundles.
export { quarterlyReport } from './quarterly-report';
export { municipalitySubmission } from './municipality-submission';
export { submissionGroup } from './submission-group';
export { quarterOpener } from './quarter-opener';
export { dailyNotifications } from './daily-notifications';
