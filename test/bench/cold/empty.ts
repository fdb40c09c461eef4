/** Cold-start baseline for the library rows: a handler that does nothing (Node's floor). */
export const handler = async () => ({ statusCode: 200 });
