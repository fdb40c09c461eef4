/** Cold start of standardwebhooks alone (the events function's signer): load + one signature. */
import { Webhook } from 'standardwebhooks';

export const handler = async () => ({
  statusCode: new Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').sign('evt_1', new Date(), '{"a":1}').startsWith('v1,') ? 200 : 500,
});
