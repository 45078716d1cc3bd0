import type { ChannelContract } from '../channels';

/** ERP command, reply and integration topics (filled in by the ERP integration work, issue 10). */
export const ERP_CHANNELS: readonly ChannelContract[] = [];
