// The tests' private Dovecot: the same one `npm run topology` starts.
export { DOVECOT_BINARY, dovecotAvailable, startDovecot } from '../../scripts/topology/dovecot';
export type { Dovecot } from '../../scripts/topology/dovecot';
