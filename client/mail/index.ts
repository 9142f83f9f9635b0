// The inbound email channel: replies with the filled template attached, read over IMAP.
export { inboundConfigFromEnv } from './config';
export type { ImapSettings } from './config';
export { matchMunicipality, plusTokens } from './match';
export { authenticationResults, checkSender } from './screen';
export { messageIdHash, pollMailbox, replySeq, startInboundPoller } from './poll';
export type { InboundDeps, InboundPoller, InboundStatus, PollResult } from './poll';
export { refusedReply, resultReply } from './reply';
